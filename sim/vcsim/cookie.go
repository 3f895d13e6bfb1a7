package main

import (
	"net/http"
	"strings"
)

const sessionCookie = "vmware_soap_session"

// vcenterCookies makes the session cookie look like vCenter's: Set-Cookie carries the value
// in double quotes (`vmware_soap_session="…"; Path=/; HttpOnly; Secure;`). Like real vCenter,
// a cookie sent back with or without its quotes names the same session: Go's cookie parser
// drops the quotes, and govc (net/http's cookie jar) sends the value unquoted.
func vcenterCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&quotingWriter{ResponseWriter: w}, r)
	})
}

type quotingWriter struct {
	http.ResponseWriter
	done bool
}

func (q *quotingWriter) rewrite() {
	if q.done {
		return
	}
	q.done = true
	h := q.Header()
	cookies := h.Values("Set-Cookie")
	for i, c := range cookies {
		if strings.HasPrefix(c, sessionCookie+"=") && !strings.HasPrefix(c, sessionCookie+`="`) {
			value := strings.SplitN(strings.TrimPrefix(c, sessionCookie+"="), ";", 2)[0]
			cookies[i] = sessionCookie + `="` + value + `"; Path=/; HttpOnly; Secure;`
		}
	}
	if len(cookies) > 0 {
		h["Set-Cookie"] = cookies
	}
}

func (q *quotingWriter) WriteHeader(code int) {
	q.rewrite()
	q.ResponseWriter.WriteHeader(code)
}

func (q *quotingWriter) Write(b []byte) (int, error) {
	q.rewrite()
	return q.ResponseWriter.Write(b)
}
