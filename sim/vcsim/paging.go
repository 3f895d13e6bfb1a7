package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// pager gives RetrievePropertiesEx vCenter's paging, which vcsim 0.24.2 lacks: when a
// request sets options.maxObjects and vcsim's reply holds more objects, the reply is cut to
// that many and a token returned; ContinueRetrievePropertiesEx hands out the rest and
// CancelRetrievePropertiesEx drops it. Objects are moved as the exact text vcsim wrote.
type pager struct {
	mu     sync.Mutex
	tokens map[string]*pages
}

type pages struct {
	head, tail string // envelope text before and after the returnval content
	method     string // response element name to use for continuations
	objects    []string
	size       int
}

func newPager() *pager { return &pager{tokens: map[string]*pages{}} }

// handles reports whether the request is one the pager deals with, and deals with it.
func (p *pager) serve(w http.ResponseWriter, r *http.Request, body []byte, next http.Handler) bool {
	if !bytes.Contains(body, []byte("RetrievePropertiesEx")) {
		return false
	}
	method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil {
		return false
	}
	switch req := method.Body.(type) {
	case *types.RetrievePropertiesEx:
		if req.Options.MaxObjects <= 0 {
			return false
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		p.firstPage(w, rec, int(req.Options.MaxObjects))
		return true
	case *types.ContinueRetrievePropertiesEx:
		p.continuation(w, r, next, req.Token, true)
		return true
	case *types.CancelRetrievePropertiesEx:
		p.continuation(w, r, next, req.Token, false)
		return true
	}
	return false
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder, body string) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write([]byte(body))
}

func (p *pager) firstPage(w http.ResponseWriter, rec *httptest.ResponseRecorder, max int) {
	text := rec.Body.String()
	open, close := strings.Index(text, "<returnval>"), strings.LastIndex(text, "</returnval>")
	if rec.Code != http.StatusOK || open < 0 || close < open {
		copyRecorded(w, rec, text)
		return
	}
	objects := splitObjects(text[open+len("<returnval>") : close])
	if len(objects) <= max {
		copyRecorded(w, rec, text)
		return
	}
	pg := &pages{head: text[:open+len("<returnval>")], tail: text[close:], objects: objects[max:], size: max}
	pg.head = strings.Replace(pg.head, "RetrievePropertiesExResponse", "ContinueRetrievePropertiesExResponse", 1)
	pg.tail = strings.Replace(pg.tail, "RetrievePropertiesExResponse", "ContinueRetrievePropertiesExResponse", 1)
	token := newTicket()
	p.mu.Lock()
	p.tokens[token] = pg
	p.mu.Unlock()
	copyRecorded(w, rec, text[:open+len("<returnval>")]+"<token>"+token+"</token>"+strings.Join(objects[:max], "")+text[close:])
}

// continuation lets vcsim check the session first (it answers MethodNotFound when the
// caller is authenticated), then serves or cancels the token.
func (p *pager) continuation(w http.ResponseWriter, r *http.Request, next http.Handler, token string, serve bool) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "MethodNotFound") {
		copyRecorded(w, rec, rec.Body.String())
		return
	}
	p.mu.Lock()
	pg, ok := p.tokens[token]
	delete(p.tokens, token)
	p.mu.Unlock()
	if !ok {
		writeFault(w, "unknown or expired token", "InvalidArgument", "<invalidProperty>token</invalidProperty>")
		return
	}
	if !serve {
		writeResponse(w, "CancelRetrievePropertiesExResponse", "")
		return
	}
	n := pg.size
	if n > len(pg.objects) {
		n = len(pg.objects)
	}
	page, rest := pg.objects[:n], pg.objects[n:]
	tokenXML := ""
	if len(rest) > 0 {
		next := newTicket()
		p.mu.Lock()
		p.tokens[next] = &pages{head: pg.head, tail: pg.tail, objects: rest, size: pg.size}
		p.mu.Unlock()
		tokenXML = "<token>" + next + "</token>"
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(pg.head + tokenXML + strings.Join(page, "") + pg.tail))
}

// splitObjects cuts the returnval content into its top-level <objects>…</objects> elements.
func splitObjects(s string) []string {
	var out []string
	depth, start := 0, -1
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "<objects>"):
			if depth == 0 {
				start = i
			}
			depth++
			i += len("<objects>")
		case strings.HasPrefix(s[i:], "</objects>"):
			depth--
			i += len("</objects>")
			if depth == 0 && start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		default:
			i++
		}
	}
	return out
}
