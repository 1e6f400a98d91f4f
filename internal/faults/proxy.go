package faults

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// proxy sits between the app and PostgreSQL. It forwards everything, except that a
// share of the replies to COMMIT are dropped, with both connections cut: the
// transaction has committed on the server, and the app never hears of it.
type proxy struct {
	ln       net.Listener
	target   func() string // the server's unix socket, which moves when it restarts
	dropRate float64
	dropping atomic.Bool
	commits  atomic.Int64
	dropped  atomic.Int64
	mu       sync.Mutex
	conns    map[net.Conn]bool
}

func newProxy(target func() string, dropRate float64) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, target: target, dropRate: dropRate, conns: map[net.Conn]bool{}}
	go p.serve()
	return p, nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *proxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

// drop decides for one COMMIT reply: every (1/dropRate)-th is dropped, so a run of n
// commits always loses about n × dropRate replies.
func (p *proxy) drop() bool {
	every := int64(1 / p.dropRate)
	if p.commits.Add(1)%every != every/2 {
		return false
	}
	p.dropped.Add(1)
	return true
}

func (p *proxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(client)
	}
}

func (p *proxy) pipe(client net.Conn) {
	server, err := net.Dial("unix", p.target())
	if err != nil {
		client.Close()
		return
	}
	p.track(client, true)
	p.track(server, true)
	defer func() {
		client.Close()
		server.Close()
		p.track(client, false)
		p.track(server, false)
	}()
	go func() {
		io.Copy(server, client)
		server.Close()
	}()
	// Backend messages are all typed: one byte, a four-byte length, the payload.
	in := bufio.NewReader(server)
	out := bufio.NewWriter(client)
	head := make([]byte, 5)
	for {
		if _, err := io.ReadFull(in, head); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(head[1:])) - 4
		if n < 0 || n > 1<<30 {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(in, body); err != nil {
			return
		}
		if head[0] == 'C' && bytes.HasPrefix(body, []byte("COMMIT")) && p.dropping.Load() && p.drop() {
			return // the reply to a committed transaction is lost
		}
		out.Write(head)
		out.Write(body)
		if in.Buffered() == 0 {
			if err := out.Flush(); err != nil {
				return
			}
		}
	}
}
