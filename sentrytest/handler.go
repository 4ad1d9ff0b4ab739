package sentrytest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"net/http"
	"strings"

	"github.com/sentrylog/sentrylog/internal/logcheck"
)

const (
	// maxBody bounds a request body, before and after decompression.
	maxBody = 20 << 20
	// maxEventItem is Sentry's limit for one event item, decompressed.
	maxEventItem = 1 << 20
	// maxReportItem is Sentry's limit for one client_report item.
	maxReportItem = 4 << 10
)

// ServeHTTP answers one request the way Sentry's ingestion does, strictly:
//
//   - only POST /api/<project>/envelope/ is served (else 404 or 405);
//   - the X-Sentry-Auth header (or the sentry_key query parameter) must
//     carry the server's key (else 401);
//   - Content-Encoding may be absent, identity or gzip (else 415);
//   - the body must be a well-formed envelope with at most one event item,
//     whose event_id matches the envelope header's, an event item of at most
//     1 MiB, client_report items of at most 4 KiB, and decodable event and
//     client_report payloads (else 400 with X-Sentry-Error, or 413 for an
//     event over its size).
//
// Every refusal is recorded as a Rejection. An accepted envelope is answered
// 200 with {"id": <event id>} unless Respond says otherwise.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "sentrytest: server closed", http.StatusServiceUnavailable)
		return
	}
	s.active.Add(1) // under mu and before closed: every Add precedes Close's Wait
	s.mu.Unlock()
	defer s.active.Done()

	info := RequestInfo{
		Method: r.Method, Path: r.URL.Path,
		ContentType: r.Header.Get("Content-Type"), ContentEncoding: r.Header.Get("Content-Encoding"),
		UserAgent: r.Header.Get("User-Agent"), Auth: r.Header.Get("X-Sentry-Auth"),
	}
	if r.URL.Path != "/api/"+s.project+"/envelope/" {
		s.reject(w, info, nil, http.StatusNotFound, "unknown path "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.reject(w, info, nil, http.StatusMethodNotAllowed, "method "+r.Method)
		return
	}
	// The body is read and parsed before the auth check so that a refused
	// envelope can still be shown in its Rejection.
	key, authOK := authKey(r)
	body, status, readErr := readBody(w, r)
	var env *Envelope
	var parseErr error
	if readErr == nil {
		var parsed *protocol.Envelope
		parsed, parseErr = parseEnvelope(body)
		if parseErr == nil {
			env = &Envelope{Envelope: *parsed, Request: info}
			parseErr = checkItems(parsed)
		}
	}
	switch {
	case !authOK:
		s.reject(w, info, env, http.StatusUnauthorized, "missing authorization information")
		return
	case key != s.key:
		s.reject(w, info, env, http.StatusUnauthorized, "unknown public key")
		return
	case readErr != nil:
		s.reject(w, info, nil, status, readErr.Error())
		return
	case parseErr != nil:
		status := http.StatusBadRequest
		if errors.Is(parseErr, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		s.reject(w, info, env, status, parseErr.Error())
		return
	}

	s.mu.Lock()
	respond := s.respond
	s.mu.Unlock()
	status = http.StatusOK
	if respond != nil {
		var hdr http.Header
		status, hdr = respond(r)
		for k, vs := range hdr {
			w.Header()[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
	}
	if status < 200 || status > 299 {
		s.reject(w, info, env, status, fmt.Sprintf("answered %d by Respond", status))
		return
	}
	s.mu.Lock()
	s.envelopes = append(s.envelopes, *env)
	s.notifyLocked()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"id": string(env.Header.EventID)})
}

func (s *Server) reject(w http.ResponseWriter, info RequestInfo, env *Envelope, status int, reason string) {
	s.mu.Lock()
	s.rejections = append(s.rejections, Rejection{Status: status, Reason: reason, Request: info, Envelope: env})
	s.notifyLocked()
	s.mu.Unlock()
	if status >= 400 {
		w.Header().Set("X-Sentry-Error", reason)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"detail": reason})
}

// authKey finds sentry_key in X-Sentry-Auth ("Sentry sentry_version=7,
// sentry_client=..., sentry_key=...") or, failing that, in the query.
func authKey(r *http.Request) (string, bool) {
	if h := r.Header.Get("X-Sentry-Auth"); h != "" {
		rest, ok := strings.CutPrefix(h, "Sentry ")
		if !ok {
			return "", false
		}
		for _, part := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			if k == "sentry_key" && v != "" {
				return v, true
			}
		}
		return "", false
	}
	if k := r.URL.Query().Get("sentry_key"); k != "" {
		return k, true
	}
	return "", false
}

var errTooLarge = errors.New("too large")

// readBody reads the request body, decompressed, bounded by maxBody. On
// error it also returns the status to answer.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	var src io.Reader = http.MaxBytesReader(w, r.Body, maxBody)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("bad gzip body: %v", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(src, maxBody+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || n > maxBody:
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d bytes", maxBody)
	case err != nil:
		return nil, http.StatusBadRequest, fmt.Errorf("read body: %v", err)
	}
	return buf.Bytes(), 0, nil
}

// checkItems enforces what parseEnvelope cannot see: one event at most, of
// bounded size, with the header's event id, and payloads that decode.
func checkItems(env *protocol.Envelope) error {
	events := 0
	for i, it := range env.Items {
		switch it.Header.Type {
		case protocol.ItemTypeEvent:
			events++
			if events > 1 {
				return fmt.Errorf("%w: more than one event item", protocol.ErrInvalidEnvelope)
			}
			if len(it.Payload) > maxEventItem {
				return fmt.Errorf("event item of %d bytes: %w", len(it.Payload), errTooLarge)
			}
			ev, err := DecodeEvent(it)
			if err != nil {
				return fmt.Errorf("%w: item %d: %v", protocol.ErrInvalidEnvelope, i, err)
			}
			if env.Header.EventID != "" && ev.EventID != env.Header.EventID {
				return fmt.Errorf("%w: event_id %q differs from the envelope header's %q", protocol.ErrInvalidEnvelope, ev.EventID, env.Header.EventID)
			}
		case protocol.ItemTypeLog:
			if _, err := logcheck.CheckEnvelope(env); err != nil {
				return fmt.Errorf("%w: %v", protocol.ErrInvalidEnvelope, err)
			}
		case protocol.ItemTypeClientReport:
			if len(it.Payload) > maxReportItem {
				return fmt.Errorf("%w: client_report item of %d bytes, over %d", protocol.ErrInvalidEnvelope, len(it.Payload), maxReportItem)
			}
			if _, err := DecodeClientReport(it); err != nil {
				return fmt.Errorf("%w: item %d: %v", protocol.ErrInvalidEnvelope, i, err)
			}
		}
	}
	return nil
}
