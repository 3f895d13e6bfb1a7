package main

// Switches for the export's recovery paths and benchmarks, beside -nfc-resets (export.go):
// -nfc-reset-skip N (the first N GETs are not cut, so that a later disk is), -nfc-no-range (the server ignores Range, as some NFC servers do), -nfc-lease-errors N (the
// next N cut downloads also put their lease in state error, as when the host's NFC service
// dies: the client must take a new lease), -nfc-rate B (each download paced to B bytes/s, as
// a field NFC stream runs at 20-30 MB/s, so that disks streamed at once show their overlap).

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type nfcFaults struct {
	noRange     bool
	leaseErrors atomic.Int32
	rate        int64
	spare       atomic.Int32 // -nfc-reset-skip: the first N disk GETs are never cut
}

// spared says whether this GET is one of the first -nfc-reset-skip, which -nfc-resets leaves whole.
func (f *nfcFaults) spared() bool {
	return f.spare.Add(-1) >= 0
}

// request drops what the server does not honour.
func (f *nfcFaults) request(r *http.Request) {
	if f.noRange {
		r.Header.Del("Range")
		r.Header.Del("If-Range")
	}
}

// writer paces the response body to the configured rate (unchanged without one).
func (f *nfcFaults) writer(w http.ResponseWriter) http.ResponseWriter {
	if f.rate <= 0 {
		return w
	}
	return &pacedWriter{ResponseWriter: w, rate: f.rate, start: time.Now()}
}

// cut is told a download was cut short (-nfc-resets); it may fail the lease with it.
func (f *nfcFaults) cut(l *exportLease) {
	if f.leaseErrors.Add(-1) < 0 {
		return
	}
	simulator.Map.WithLock(l, func() {
		if l.State != types.HttpNfcLeaseStateReady {
			return
		}
		l.finish(types.HttpNfcLeaseStateError, &types.LocalizedMethodFault{
			Fault:            &types.SystemError{Reason: "NFC connection lost"},
			LocalizedMessage: "The NFC connection to the host was lost; the export lease is no longer valid.",
		})
	})
}

type pacedWriter struct {
	http.ResponseWriter
	rate  int64
	start time.Time
	sent  int64
}

// Write sends in pieces of at most 64 KiB, sleeping whenever it is ahead of the rate.
func (p *pacedWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := len(b)
		if k > 64*1024 {
			k = 64 * 1024
		}
		m, err := p.ResponseWriter.Write(b[:k])
		n += m
		p.sent += int64(m)
		if err != nil {
			return n, err
		}
		b = b[k:]
		due := p.start.Add(time.Duration(float64(p.sent) / float64(p.rate) * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
	}
	return n, nil
}

func (p *pacedWriter) Flush() {
	if fl, ok := p.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}
