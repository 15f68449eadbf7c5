package middleware

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// checkMethod refuses a method the route does not accept.
func (p *pipeline) checkMethod(f *flow) Result {
	if p.cfg.methodAllowed(f.r.Method) {
		return Result{}
	}
	return Result{Outcome: MethodNotAllowed, Allow: p.cfg.allow,
		Err: fmt.Errorf("method %s not allowed; use %s", f.r.Method, p.cfg.allow)}
}

// Body buffers. A body is read once into a pooled buffer that starts small
// and grows with what was read, never with what the request declares: a
// Content-Length is only a claim until the bytes are there, and two hundred
// idle connections declaring 1 MiB each must not hold 200 MiB.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooled keeps buffers grown by one huge body out of the pool, so a
// burst of large deliveries does not pin their memory for good.
const maxPooled = 256 << 10

func putBuffer(b *[]byte) {
	if b != nil && cap(*b) <= maxPooled {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// errTooLarge is the cause reported for TooLarge.
type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string {
	return fmt.Sprintf("body exceeds the %d-byte limit (raise it with WithMaxBodyBytes)", e.limit)
}

func tooLarge(limit int64) Result {
	return Result{Outcome: TooLarge, Err: errTooLarge{limit}, closeConn: true}
}

// readBody reads the whole body, at most the limit, into a pooled buffer.
// A declared Content-Length over the limit is refused without reading; an
// undeclared (chunked) body is refused as soon as it passes the limit.
func (p *pipeline) readBody(f *flow) Result {
	limit := p.cfg.maxBody
	r := f.r
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return Result{}
	}
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	var err error
	for err == nil {
		if int64(len(buf)) > limit {
			break
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow by append's doubling
		}
		var n int
		n, err = r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
	}
	*bp = buf
	if int64(len(buf)) > limit {
		putBuffer(bp)
		return tooLarge(limit)
	}
	if err != io.EOF {
		putBuffer(bp)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			// An outer http.MaxBytesReader with a lower limit.
			return tooLarge(mbe.Limit)
		}
		return Result{Outcome: BadRequest, Err: fmt.Errorf("reading body: %w", err)}
	}
	f.buf, f.body = bp, buf
	return Result{}
}
