module github.com/hookseal/hookseal/adapters/echov5

go 1.26.0

replace github.com/hookseal/hookseal => ../..

require (
	github.com/hookseal/hookseal v0.1.0
	github.com/labstack/echo/v5 v5.4.5
)

require github.com/go-json-experiment/json v1.27.2 // indirect
