package middleware

import (
	"net/http"
	"time"
)

// NotFoundHandler answers every request with 404 and outcome not_found, and
// tells observers as a route tells them of its refusals. Mount it as the
// fallback of the mux that serves your routes ("/" on a net/http
// ServeMux), so that metrics count the requests no route serves (what
// scanners probe) beside the ones routes refuse, and a SlogObserver logs
// them as noise (SlogNoiseLevel, SlogSampleNoise).
//
// Its reports carry the method, path and remote address and no route: a
// path is chosen by whoever sent the request, so it is never a metric
// label.
func NotFoundHandler(observers ...Observer) http.Handler {
	obs := make([]Observer, 0, len(observers))
	for _, o := range observers {
		if o != nil {
			obs = append(obs, o)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		res := Result{Outcome: NotFound}
		// As on a route, observers hear of the request before it is
		// answered.
		if len(obs) > 0 {
			r := Report{Result: res, Method: req.Method, Path: req.URL.Path, RemoteAddr: req.RemoteAddr, Duration: time.Since(start)}
			for _, o := range obs {
				o(req.Context(), r)
			}
		}
		res.Respond(w)
	})
}
