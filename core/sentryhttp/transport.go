package sentryhttp

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sentrylog/sentrylog/core"
)

// Transport is an http.RoundTripper that passes the trace of each
// request's context on to the service it calls, so that the events of both
// services share one trace in Sentry:
//
//	client := &http.Client{Transport: &sentryhttp.Transport{}}
//	req, _ := http.NewRequestWithContext(r.Context(), "GET", url, nil)
//	resp, err := client.Do(req)
//
// It sets the sentry-trace header, a W3C traceparent unless the request has
// one already (another tracing library's), and baggage with the trace's
// Sentry members, keeping the members of other vendors the request carries
// (see core.Client.PropagationHeaders). The request it is given is not
// changed: a clone with these headers goes to Base.
type Transport struct {
	// Base carries the requests. Default: http.DefaultTransport.
	Base http.RoundTripper
	// Client is the client whose settings (public key, release,
	// environment, SpanFromContext) make the headers. Default: the
	// process-wide client of core.Init, looked up per request.
	Client *core.Client
	// Hosts limits the hosts that get the headers: an entry matches a
	// request's host with or without its port ("api.internal",
	// "127.0.0.1:8080"), and an entry that starts with a dot matches the
	// subdomains of its rest (".example.com"). Default (nil): every host.
	// A trace id in a request to a third party tells it nothing secret,
	// but its baggage holds the release and environment.
	Hosts []string
}

var _ http.RoundTripper = (*Transport)(nil)

// RoundTrip adds the trace headers to a clone of req, when its host is
// allowed, and hands it to Base.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.URL == nil || !t.allowed(req.URL) {
		return base.RoundTrip(req)
	}
	c := t.Client
	if c == nil {
		c = core.CurrentClient()
	}
	var baggage string
	if v := req.Header.Values("Baggage"); len(v) > 0 {
		baggage = strings.Join(v, ",")
	}
	st, tp, bg := c.PropagationHeaders(req.Context(), baggage)
	if st == "" {
		return base.RoundTrip(req)
	}
	r2 := req.Clone(req.Context())
	if r2.Header == nil {
		r2.Header = make(http.Header, 3)
	}
	r2.Header.Set("Sentry-Trace", st)
	if r2.Header.Get("Traceparent") == "" {
		r2.Header.Set("Traceparent", tp)
	}
	if bg != "" {
		r2.Header.Set("Baggage", bg)
	} else {
		r2.Header.Del("Baggage")
	}
	return base.RoundTrip(r2)
}

func (t *Transport) allowed(u *url.URL) bool {
	if t.Hosts == nil {
		return true
	}
	host := u.Hostname()
	for _, h := range t.Hosts {
		switch {
		case h == "":
		case h == host || h == u.Host:
			return true
		case h[0] == '.' && strings.HasSuffix(host, h):
			return true
		}
	}
	return false
}
