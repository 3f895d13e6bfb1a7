package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// Go 1.19's SHA-256 has no SHA-NI path (about 6 s per GiB here), so hashing inline would cap
// NFC downloads far below what the client can take. Each hash runs in its own goroutine fed
// through a small bounded queue: the download proceeds at the speed of the slowest hash on
// its own core, and memory stays bounded (queue length x chunk size).

const hashQueue = 32

var chunkPool = sync.Pool{New: func() interface{} { b := make([]byte, 0, 64<<10); return &b }}

type asyncHash struct {
	h    hash.Hash
	ch   chan *[]byte
	done chan struct{}
}

func newAsyncHash(h hash.Hash) *asyncHash {
	a := &asyncHash{h: h, ch: make(chan *[]byte, hashQueue), done: make(chan struct{})}
	go func() {
		for b := range a.ch {
			_, _ = a.h.Write(*b)
			*b = (*b)[:0]
			chunkPool.Put(b)
		}
		close(a.done)
	}()
	return a
}

func (a *asyncHash) write(p []byte) {
	b := chunkPool.Get().(*[]byte)
	*b = append((*b)[:0], p...)
	a.ch <- b
}

func (a *asyncHash) sum() string {
	close(a.ch)
	<-a.done
	return hex.EncodeToString(a.h.Sum(nil))
}

// fileHash computes what GetManifest reports: SHA-1 always, SHA-256 unless the manifest mode
// is "sha1".
type fileHash struct {
	s1, s256 *asyncHash
}

func newFileHash(mode string) *fileHash {
	h := &fileHash{s1: newAsyncHash(sha1.New())}
	if mode != "sha1" {
		h.s256 = newAsyncHash(sha256.New())
	}
	return h
}

func (h *fileHash) Write(p []byte) (int, error) {
	h.s1.write(p)
	if h.s256 != nil {
		h.s256.write(p)
	}
	return len(p), nil
}

// sums waits for the hashers and returns the hex digests ("" for a hash not computed).
func (h *fileHash) sums() (string, string) {
	s1 := h.s1.sum()
	s256 := ""
	if h.s256 != nil {
		s256 = h.s256.sum()
	}
	return s1, s256
}
