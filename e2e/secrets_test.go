package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zapsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// The secrets one log record carries, in every place a log can carry one.
const (
	secretAttr     = "hunter2-Secret-pw"
	secretNested   = "s3cr3t-db-pass"
	secretInError  = "conn-pass-77x"
	secretCard     = "4111 1111 1111 1111"
	secretBearer   = "abcdef0123456789bearer"
	secretJWT      = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	secretAWS      = "AKIAIOSFODNN7EXAMPLE"
	secretQuery    = "querytoken-998877"
	secretCookie   = "cookie-session-556677"
	secretEmail    = "ann.lee@example.com"
	secretPEM      = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq8\n-----END RSA PRIVATE KEY-----"
	secretPEMInner = "MIIEowIBAAKCAQEA7bq8"
)

var allSecrets = []string{secretAttr, secretNested, secretInError, secretCard, secretBearer, secretJWT,
	secretAWS, secretQuery, secretCookie, secretEmail, secretPEMInner}

// newRawReceiver starts a rawReceiver on the loopback interface, stopped
// when t ends, and returns it with a DSN that sends to it.
func newRawReceiver(t *testing.T) (*rawReceiver, string) {
	t.Helper()
	rr := &rawReceiver{}
	srv := httptest.NewServer(rr)
	t.Cleanup(srv.Close)
	return rr, strings.Replace(srv.URL, "http://", "http://publickey@", 1) + "/1"
}

// rawReceiver keeps the decompressed bodies it receives.
type rawReceiver struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (rr *rawReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, _ := io.ReadAll(body)
	rr.mu.Lock()
	rr.bodies = append(rr.bodies, b)
	rr.mu.Unlock()
}

func (rr *rawReceiver) all() []byte {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return bytes.Join(rr.bodies, []byte("\n"))
}

func secretRequest() *http.Request {
	r := httptest.NewRequest("POST", "http://shop.test/pay?api_key="+secretAWS+"&token="+secretQuery+"&page=2", nil)
	r.Header.Set("Authorization", "Bearer "+secretJWT)
	r.Header.Set("Cookie", "session="+secretCookie)
	r.Header.Set("Accept", "application/json")
	return r
}

func secretError() error {
	return fmt.Errorf("charge failed: %w",
		fmt.Errorf("connect postgres://app:%s@db.internal:5432/shop: %w", secretInError, errors.New("connection refused")))
}

const secretMessage = "charging card " + secretCard + " for " + secretEmail + " with Bearer " + secretBearer

// TestNoSecretLeavesTheProcess logs one record full of secrets through each
// bridge, with the default scrubber, and checks the bytes a receiver gets.
func TestNoSecretLeavesTheProcess(t *testing.T) {
	bridges := map[string]func(ctx context.Context){
		"slog": func(ctx context.Context) {
			log := slog.New(slogsentry.NewHandler(slogsentry.Options{}))
			log.ErrorContext(ctx, secretMessage,
				"password", secretAttr,
				slog.Group("db", slog.String("password", secretNested), slog.String("host", "db.internal")),
				"key", secretPEM,
				"req", secretRequest(),
				"error", secretError())
		},
		"zap": func(ctx context.Context) {
			log := zap.New(zapsentry.NewCore(zapsentry.Options{})).With(zapsentry.Context(ctx))
			log.Error(secretMessage,
				zap.String("password", secretAttr),
				zap.Object("db", zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
					enc.AddString("password", secretNested)
					enc.AddString("host", "db.internal")
					return nil
				})),
				zap.String("key", secretPEM),
				zap.Any("req", secretRequest()),
				zap.Error(secretError()))
		},
		"zerolog": func(ctx context.Context) {
			w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{})
			log := zerolog.New(w).Hook(w)
			log.Error().Ctx(ctx).
				Str("password", secretAttr).
				Dict("db", zerolog.Dict().Str("password", secretNested).Str("host", "db.internal")).
				Str("key", secretPEM).
				Str("url", secretRequest().URL.String()).
				Str("authorization", "Bearer "+secretJWT).
				Err(secretError()).
				Msg(secretMessage)
		},
	}
	for _, pii := range []bool{false, true} {
		for name, logIt := range bridges {
			t.Run(fmt.Sprintf("%s/pii=%v", name, pii), func(t *testing.T) {
				rr, dsn := newRawReceiver(t)
				// With SendDefaultPII the credential headers and cookies are
				// kept in the request, so the scrubber alone must catch them.
				c, err := core.Init(core.Options{DSN: dsn, SendDefaultPII: pii})
				if err != nil {
					t.Fatal(err)
				}
				defer func() {
					core.SetCurrentClient(nil)
					c.Close(context.Background())
				}()
				ctx := core.NewIsolationScope(context.Background())
				core.SetTag(ctx, "note", "mail me at "+secretEmail)
				c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "login with password=" + secretAttr})
				logIt(ctx)
				fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if !c.Flush(fctx) {
					t.Fatalf("flush failed: %+v", c.Stats())
				}
				got := rr.all()
				if !bytes.Contains(got, []byte(`"type":"event"`)) {
					t.Fatalf("no event received:\n%s", got)
				}
				for _, s := range allSecrets {
					if pii && s == secretEmail {
						continue // personal data is allowed; secrets are not
					}
					if bytes.Contains(got, []byte(s)) {
						t.Errorf("secret %q reached the receiver", s)
					}
				}
				// What is not secret survives: the scrubber replaces spans.
				for _, keep := range []string{"charging card", "connection refused", "db.internal", "page=2"} {
					if name == "zerolog" && keep == "page=2" {
						continue // zerolog logs the URL as a string, not a request
					}
					if !bytes.Contains(got, []byte(keep)) {
						t.Errorf("%q was lost", keep)
					}
				}
				if t.Failed() {
					t.Logf("received:\n%s", got)
				}
			})
		}
	}
}
