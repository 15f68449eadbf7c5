module github.com/hookseal/hookseal/store/redis

go 1.26.0

replace github.com/hookseal/hookseal => ../..

require (
	github.com/hookseal/hookseal v0.1.0
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-json-experiment/json v1.27.2 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
