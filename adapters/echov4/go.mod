module github.com/hookseal/hookseal/adapters/echov4

go 1.26.0

replace github.com/hookseal/hookseal => ../..

require (
	github.com/hookseal/hookseal v0.1.0
	github.com/labstack/echo/v4 v4.16.0
)

require (
	github.com/go-json-experiment/json v1.27.2 // indirect
	github.com/labstack/gommon v0.5.0 // indirect
	github.com/mattn/go-colorable v0.1.15 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasttemplate v1.2.2 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
