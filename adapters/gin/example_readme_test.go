//lint:file-ignore U1000 main is the README's gin program: compiled by the tests, never run.

package hooksealgin_test

import (
	"log"
	"net/http"

	"github.com/gin-gonic/gin"

	hooksealgin "github.com/hookseal/hookseal/adapters/gin"
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
	alerts, err := hooksealgin.Handler(v, func(c *gin.Context, e middleware.Event[checkly.Alert]) error {
		if e.Payload.AlertType.IsFailure() {
			log.Printf("%s is failing: %s", e.Payload.CheckName, e.Payload.ResultLink)
		}
		return nil // 200; an error answers 500 and Checkly retries
	}, middleware.WithOrdering(0), middleware.WithObserver(middleware.SlogObserver(nil)))
	if err != nil {
		log.Fatal(err)
	}

	// Or verification only, in front of a handler of your own.
	verified, err := hooksealgin.Middleware(v)
	if err != nil {
		log.Fatal(err)
	}

	r := gin.Default()
	r.POST("/hooks/checkly", alerts)
	r.POST("/hooks/checkly/own", verified, func(c *gin.Context) {
		var a checkly.Alert
		if err := c.ShouldBindJSON(&a); err != nil { // the body reads as if untouched
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		d, _ := hooksealgin.DeliveryFrom(c)
		log.Printf("%s from %s (secret %s)", a.AlertType, d.Provider, d.SecretID)
		c.Status(http.StatusNoContent)
	})
	log.Fatal(r.Run(":8080"))
}
