package transport

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// spotlightURL interprets the Spotlight setting: "", "0", "false", "no", "off"
// mean off; "1", "true", "yes", "on" the default sidecar URL; anything
// else must be an http or https URL.
func spotlightURL(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return "", nil
	case "1", "true", "yes", "on":
		return defaultSpotlightURL, nil
	}
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
		return "", fmt.Errorf("spotlight %q is neither a boolean nor an http(s) URL", v)
	}
	if _, err := http.NewRequest(http.MethodPost, v, nil); err != nil {
		return "", fmt.Errorf("spotlight URL: %w", err)
	}
	return v, nil
}

// postSpotlight posts an uncompressed copy of env to Spotlight. Failures
// are only logged (once): Spotlight is a development aid, not a receiver
// whose losses count.
func (t *HTTP) postSpotlight(env *envelope) bool {
	env.Header.SentAt = t.now()
	raw := getBuffer()
	if err := env.AppendTo(raw); err != nil {
		putBuffer(raw)
		return false
	}
	body := newPooledBody(raw)
	ctx, cancel := context.WithTimeout(t.ctx, t.spotlightT)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.spotURL, body)
	if err != nil {
		body.Close()
		return false
	}
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("User-Agent", t.userAgent)
	resp, err := t.client.Do(req)
	if err != nil {
		t.cfg.Debug.Once("spotlight_error", "spotlight %s unreachable: %v", t.spotURL, err)
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseDrain))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		t.cfg.Debug.Once("spotlight_status", "spotlight %s answered %s", t.spotURL, resp.Status)
		return false
	}
	return true
}

// SpotlightEnabled reports whether the Spotlight setting v turns Spotlight
// on, so that a client without a DSN still makes an HTTP transport for it.
func SpotlightEnabled(v string) bool {
	u, err := spotlightURL(v)
	return err == nil && u != ""
}
