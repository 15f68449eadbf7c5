package redistest

import (
	"net"
	"sync"
	"testing"
	"time"
)

// A DelayProxy is a TCP proxy on a loopback port in front of a server,
// that holds back every byte it forwards, in each direction, for a delay:
// a Redis 10 ms away is a server behind a DelayProxy with a 5 ms delay
// (5 ms each way). Order is kept, and throughput is not limited: the
// delay is latency only, as a distant network adds it. Its methods are
// safe for concurrent use.
type DelayProxy struct {
	// Addr is the proxy's address, "127.0.0.1:<port>": give it to
	// clients instead of the server's.
	Addr string

	target string
	l      net.Listener

	stop chan struct{} // closed by Close: held bytes are dropped

	mu     sync.Mutex
	delay  time.Duration
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// StartDelayProxy starts a proxy to target (host:port) that delays each
// direction by delay, for t alone: it is closed, with every connection it
// carries, when t and its subtests have finished.
func StartDelayProxy(t testing.TB, target string, delay time.Duration) *DelayProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: starting a delay proxy: %v", err)
	}
	p := &DelayProxy{Addr: l.Addr().String(), target: target, l: l, delay: delay, conns: map[net.Conn]struct{}{}, stop: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// SetDelay changes the delay of the bytes read from now on, in both
// directions. Bytes already held keep the delay they were read with.
func (p *DelayProxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

func (p *DelayProxy) currentDelay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delay
}

// Close stops the proxy and closes every connection it carries.
func (p *DelayProxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.stop)
	_ = p.l.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *DelayProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *DelayProxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.l.Accept()
		if err != nil {
			return
		}
		out, err := net.DialTimeout("tcp", p.target, time.Second)
		if err != nil {
			_ = in.Close()
			continue
		}
		if !p.track(in) || !p.track(out) {
			_ = in.Close()
			_ = out.Close()
			return
		}
		p.wg.Add(2)
		go p.pipe(out, in)
		go p.pipe(in, out)
	}
}

// chunk is bytes read at a time, to be written once due.
type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst, each chunk once its delay has passed, and
// closes both when either ends.
func (p *DelayProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	queue := make(chan chunk, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range queue {
			timer := time.NewTimer(time.Until(c.due))
			select {
			case <-timer.C:
			case <-p.stop:
				timer.Stop()
			}
			if _, err := dst.Write(c.b); err != nil {
				for range queue { // drain, so the reader never blocks
				}
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			queue <- chunk{b: append([]byte(nil), buf[:n]...), due: time.Now().Add(p.currentDelay())}
		}
		if err != nil { // EOF, a reset or Close: end both directions alike
			break
		}
	}
	close(queue)
	<-done
	_ = dst.Close()
	_ = src.Close()
}
