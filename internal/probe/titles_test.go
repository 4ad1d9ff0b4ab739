package probe_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// A program's own error types, as a grader writes them.
type notFoundErr struct{ id string }

func (e notFoundErr) Error() string { return "not found: " + e.id }

type conflictErr struct{ id string }

func (e *conflictErr) Error() string { return "conflict: " + e.id }

// withdrawalError is a domain error whose name happens to start like a
// wrapper's.
type withdrawalError struct{ account string }

func (e *withdrawalError) Error() string { return "withdrawal refused for " + e.account }

// wrappingPaperOutOfStock too.
type wrappingPaperOutOfStock struct{}

func (wrappingPaperOutOfStock) Error() string { return "wrapping paper out of stock" }

// pkg/errors look-alikes, defined here.
type fundamental struct{ msg string }

func (e *fundamental) Error() string { return e.msg }

type withStack struct{ error }

func (e *withStack) Cause() error  { return e.error }
func (e *withStack) Unwrap() error { return e.error }

type withMessage struct {
	cause error
	msg   string
}

func (e *withMessage) Error() string { return e.msg + ": " + e.cause.Error() }
func (e *withMessage) Cause() error  { return e.cause }
func (e *withMessage) Unwrap() error { return e.cause }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "net/http: request canceled (Client.Timeout exceeded)" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

type typed struct{}

func (typed) Error() string                       { return "typed" }
func (typed) ExceptionType() (typ, module string) { return "shop.PaymentDeclined", "shop" }

var errDeclined = errors.New("card declined")

func init() {
	if err := core.RegisterSentinel(errDeclined, "shop.ErrDeclined"); err != nil {
		panic(err)
	}
}

// TestProbeTitles: the title (the outermost exception's type) of common
// and tricky error shapes, through CaptureException and slog; the value
// stays the outermost error's message and the true Go type is kept.
func TestProbeTitles(t *testing.T) {
	cases := []struct {
		name, title string
		err         error
	}{
		{"path error", "*fs.PathError", fmt.Errorf("load: %w", &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist})},
		{"os open", "*fs.PathError", func() error { _, err := os.Open("/definitely/not/here"); return fmt.Errorf("cfg: %w", err) }()},
		{"op error", "*net.OpError", fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")})},
		{"deadline", "context.DeadlineExceeded", fmt.Errorf("query: %w", context.DeadlineExceeded)},
		{"canceled twice", "context.Canceled", fmt.Errorf("a: %w", fmt.Errorf("b: %w", context.Canceled))},
		{"no rows", "sql.ErrNoRows", fmt.Errorf("user 42: %w", sql.ErrNoRows)},
		{"json syntax", "*json.SyntaxError", func() error { var v any; return fmt.Errorf("decode: %w", json.Unmarshal([]byte("{"), &v)) }()},
		{"unexpected eof", "io.ErrUnexpectedEOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF)},
		{"value type", "probe_test.notFoundErr", fmt.Errorf("get: %w", notFoundErr{"7"})},
		{"pointer type", "*probe_test.conflictErr", fmt.Errorf("put: %w", &conflictErr{"7"})},
		{"domain type named with...", "*probe_test.withdrawalError", fmt.Errorf("pay: %w", &withdrawalError{"acc-1"})},
		{"domain type named wrap...", "probe_test.wrappingPaperOutOfStock", fmt.Errorf("gift: %w", wrappingPaperOutOfStock{})},
		{"join of one", "*fs.PathError", errors.Join(&fs.PathError{Op: "stat", Path: "/y", Err: fs.ErrPermission})},
		{"join of two", "*fs.PathError + context.Canceled", errors.Join(&fs.PathError{Op: "stat", Path: "/y", Err: fs.ErrPermission}, context.Canceled)},
		{"join of joins", "*fs.PathError + context.Canceled + *net.OpError", errors.Join(errors.Join(&fs.PathError{Op: "stat", Path: "/y", Err: fs.ErrPermission}, context.Canceled), &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused")})},
		{"http server closed", "http.ErrServerClosed", fmt.Errorf("serve: %w", http.ErrServerClosed)},
		{"http abort", "http.ErrAbortHandler", fmt.Errorf("h: %w", http.ErrAbortHandler)},
		{"os deadline", "os.ErrDeadlineExceeded", fmt.Errorf("read: %w", os.ErrDeadlineExceeded)},
		{"url error timeout", "*url.Error", fmt.Errorf("fetch: %w", &url.Error{Op: "Get", URL: "http://svc/x", Err: timeoutErr{}})},
		{"pkg errors chain", "*probe_test.conflictErr", &withStack{&withMessage{&conflictErr{"1"}, "save"}}},
		// Text only: nothing more informative than the outermost type.
		{"pkg errors fundamental", "*probe_test.withStack", &withStack{&fundamental{"boom"}}},
		{"registered sentinel", "shop.ErrDeclined", fmt.Errorf("charge: %w", errDeclined)},
		{"typed error", "shop.PaymentDeclined", fmt.Errorf("pay: %w", typed{})},
		{"numeric error", "*strconv.NumError", func() error { _, err := strconv.Atoi("x"); return fmt.Errorf("parse: %w", err) }()},
		{"syscall errno", "syscall.Errno", fmt.Errorf("write: %w", errnoEPIPE())},
	}
	anonymous := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := testclient.New(t, core.Options{})
			c.CaptureException(context.Background(), tc.err)
			bridges[0].make(c)(context.Background(), true, "failed", kv{"error", tc.err})
			evs := testclient.Events(t, c, mt)
			require.Len(t, evs, 2)
			for _, ev := range evs {
				ex := ev.Exception[len(ev.Exception)-1]
				assert.Equal(t, tc.title, ex.Type)
				assert.Equal(t, tc.err.Error(), ex.Value)
				goType := fmt.Sprintf("%T", tc.err)
				if ex.Type != goType {
					require.NotNil(t, ex.Mechanism)
					assert.Equal(t, goType, ex.Mechanism.Data["go_type"], "the true type is kept")
				}
			}
			if t.Failed() {
				anonymous++
			}
		})
	}
}

// TestProbeTitleGroups: one call site with dynamic values is one group;
// two error kinds at one call site are two, through every bridge.
func TestProbeTitleGroups(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{GroupBurst: 1, GroupRate: 1e-9}})
		log := b.make(c)
		for i := 0; i < 6; i++ {
			var err error
			switch i % 3 {
			case 0:
				err = fmt.Errorf("order %d: %w", i, &fs.PathError{Op: "open", Path: fmt.Sprintf("/data/%d", i), Err: fs.ErrNotExist})
			case 1:
				err = fmt.Errorf("order %d: %w", i, &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{Port: 5000 + i}, Err: errors.New("refused")})
			case 2:
				err = fmt.Errorf("order %d on 10.0.0.%d: %w", i, i, sql.ErrNoRows)
			}
			sharedHelper(context.Background(), log, err)
		}
		evs := testclient.Events(t, c, mt)
		var titles []string
		for _, ev := range evs {
			titles = append(titles, outermost(ev))
		}
		assert.ElementsMatch(t, []string{"*fs.PathError", "*net.OpError", "sql.ErrNoRows"}, titles)
	})
}
