module github.com/hookseal/hookseal/store/bolt

go 1.26.0

replace github.com/hookseal/hookseal => ../..

require (
	github.com/hookseal/hookseal v0.1.0
	go.etcd.io/bbolt v1.5.0
)

require (
	github.com/go-json-experiment/json v1.27.2 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
