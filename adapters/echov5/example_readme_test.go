//lint:file-ignore U1000 main is the README's echo program: compiled by the tests, never run.

package hooksealecho_test

import (
	"log"
	"net/http"

	"github.com/labstack/echo/v5"

	hooksealecho "github.com/hookseal/hookseal/adapters/echov5"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

func main() {
	secrets, err := verify.SecretsFromEnv("CHECKLY_WEBHOOK_SECRET") // or CHECKLY_WEBHOOK_SECRET_FILE
	if err != nil {
		log.Fatal(err) // unset or blank: hookseal fails closed
	}
	v, err := verify.Checkly(secrets)
	if err != nil {
		log.Fatal(err)
	}

	// A typed handler: hookseal authenticates, drops duplicates, stale
	// retries and a FAILURE that lands after its RECOVERY, and answers.
	alerts, err := hooksealecho.Handler(v, func(c *echo.Context, e middleware.Event[checkly.Alert]) error {
		if e.Payload.AlertType.IsFailure() {
			log.Printf("%s is failing: %s", e.Payload.CheckName, e.Payload.ResultLink)
		}
		return nil // 200; an error answers 500 and Checkly retries
	}, middleware.WithOrdering(0), middleware.WithObserver(middleware.SlogObserver(nil)))
	if err != nil {
		log.Fatal(err)
	}

	// Or verification only, in front of a handler of your own.
	verified, err := hooksealecho.Middleware(v)
	if err != nil {
		log.Fatal(err)
	}

	e := echo.New()
	e.POST("/hooks/checkly", alerts)
	e.POST("/hooks/checkly/own", func(c *echo.Context) error {
		var a checkly.Alert
		if err := c.Bind(&a); err != nil { // the body reads as if untouched
			return err
		}
		d, _ := hooksealecho.DeliveryFrom(c)
		log.Printf("%s from %s (secret %s)", a.AlertType, d.Provider, d.SecretID)
		return c.NoContent(http.StatusNoContent)
	}, verified)
	log.Fatal(e.Start(":8080"))
}
