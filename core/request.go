package core

import (
	"net"
	"net/http"
	"strings"
)

// sensitiveHeaders are left out of events unless SendDefaultPII is on: they
// identify the user or carry credentials.
var sensitiveHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"X-Forwarded-For":     true,
	"X-Real-Ip":           true,
	"Forwarded":           true,
	"X-Api-Key":           true,
	"X-Auth-Token":        true,
	"X-Csrf-Token":        true,
	"X-Xsrf-Token":        true,
}

// newRequest describes r for an event. Cookies, credentials and the client's
// address are only included when pii is true (SendDefaultPII). body is the
// request body already read by the caller (the HTTP middleware reads at most
// MaxRequestBodySize); nil leaves it out. r's body is never read here.
func newRequest(r *http.Request, pii bool, body []byte) *Request {
	if r == nil {
		return nil
	}
	req := &Request{Method: r.Method}
	if r.URL != nil {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		req.URL = scheme + "://" + host + r.URL.EscapedPath()
		req.QueryString = r.URL.RawQuery
	}
	if len(r.Header) > 0 {
		req.Headers = make(map[string]string, len(r.Header))
		for k, v := range r.Header {
			if !pii && sensitiveHeaders[http.CanonicalHeaderKey(k)] {
				continue
			}
			req.Headers[k] = strings.Join(v, ", ")
		}
	}
	if pii {
		if cs := r.Cookies(); len(cs) > 0 {
			req.Cookies = make(map[string]string, len(cs))
			for _, c := range cs {
				req.Cookies[c.Name] = c.Value
			}
		}
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			req.Env = map[string]string{"REMOTE_ADDR": host}
		}
	}
	if len(body) > 0 {
		req.Data = string(body)
	}
	return req
}
