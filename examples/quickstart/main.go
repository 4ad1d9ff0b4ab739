// Command quickstart shows sentrylog's whole flow with no Sentry account.
//
//	go run ./examples/quickstart
//
// It starts an embedded Sentry receiver on 127.0.0.1 (when SENTRY_DSN is
// set it sends there instead, and nowhere else), logs through slog, zap and
// zerolog as a request handler would — Info records that become breadcrumbs,
// a per-request user and tags, an Error record carrying a wrapped error and
// one carrying an errors.Join of two errors — flushes, and prints what the
// receiver got. Every bridge also sends its records from Info up as Sentry
// logs (the Logs view), one option each; the receiver prints those too.
package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/examples/internal/fanout"
	"github.com/sentrylog/sentrylog/sentrytest"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zapsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

var (
	errDeclined = errors.New("card declined")
	errTimeout  = errors.New("inventory service timed out")
)

func init() {
	// Sentinel errors are *errors.errorString to Go; registered, they title
	// their issues in Sentry by name (the standard library's, such as
	// io.EOF or sql.ErrNoRows, are named already).
	_ = core.RegisterSentinel(errDeclined, "payments.ErrDeclined")
	_ = core.RegisterSentinel(errTimeout, "inventory.ErrTimeout")
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(out io.Writer) error {
	dsn := os.Getenv("SENTRY_DSN")
	var srv *sentrytest.Server
	if dsn == "" {
		var err error
		if srv, err = sentrytest.Start(); err != nil {
			return fmt.Errorf("starting the embedded receiver: %w", err)
		}
		defer srv.Close()
		dsn = srv.DSN()
		fmt.Fprintf(out, "embedded receiver listening at %s\n\n", srv.URL())
	} else {
		fmt.Fprintln(out, "SENTRY_DSN is set: sending there")
	}

	client, err := core.Init(core.Options{DSN: dsn, Environment: "quickstart", Release: "quickstart@1.0.0"})
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	// The ordinary log output goes to stderr, unchanged by sentrylog.
	logWithSlog()
	logWithZap()
	logWithZerolog()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !client.Flush(ctx) {
		return fmt.Errorf("flush timed out; stats: %+v", client.Stats())
	}
	if srv == nil {
		st := client.Stats()
		fmt.Fprintf(out, "sent %d events (captured %d); see them in Sentry\n", st.Delivered, st.Captured)
		return nil
	}
	events, err := srv.WaitForEvents(6, 10*time.Second)
	if err != nil {
		return fmt.Errorf("the receiver got %d of 6 events: %w (stats: %+v)", len(srv.Events()), err, client.Stats())
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Tags["logger"] < events[j].Tags["logger"] })
	for _, ev := range events {
		printEvent(out, ev)
	}
	fmt.Fprintf(out, "%d events received\n\n", len(events))
	logs, err := srv.WaitForLogs(12, 10*time.Second)
	if err != nil {
		return fmt.Errorf("the receiver got %d of 12 logs: %w (stats: %+v)", len(srv.Logs()), err, client.Stats())
	}
	for _, l := range logs {
		printLog(out, l)
	}
	fmt.Fprintf(out, "%d logs received\n", len(logs))
	return nil
}

// request opens a per-request isolation scope, as the sentryhttp middleware
// does for every HTTP request, with the request's user and tags.
func request(logger string) context.Context {
	ctx := core.NewIsolationScope(context.Background())
	core.SetUser(ctx, &core.User{ID: "user-" + logger, Email: logger + "@example.test"})
	core.SetTags(ctx, map[string]string{"logger": logger, "route": "/checkout"})
	return ctx
}

func checkoutError() error {
	return fmt.Errorf("checkout order 1042: %w", fmt.Errorf("charge: %w", errDeclined))
}

func logWithSlog() {
	// Beside the handler the program already has.
	log := slog.New(fanout.Handler{
		slog.NewTextHandler(os.Stderr, nil),
		slogsentry.NewHandler(slogsentry.Options{Logger: "shop.slog", LogsLevel: slog.LevelInfo}),
	})
	ctx := request("slog")
	log.InfoContext(ctx, "cart loaded", "items", 3)
	log.InfoContext(ctx, "charging card", "amount_cents", 4599)
	log.ErrorContext(ctx, "checkout failed", "error", checkoutError())
	log.ErrorContext(ctx, "reservation failed", "error", errors.Join(errTimeout, errDeclined))
}

func logWithZap() {
	existing := zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.Lock(os.Stderr), zapcore.DebugLevel)
	log := zap.New(zapcore.NewTee(existing, zapsentry.NewCore(zapsentry.Options{LogsLevel: zapcore.InfoLevel}))).Named("shop.zap")
	ctx := request("zap")
	rlog := log.With(zapsentry.Context(ctx))
	rlog.Info("cart loaded", zap.Int("items", 3))
	rlog.Info("charging card", zap.Int("amount_cents", 4599))
	rlog.Error("checkout failed", zap.Error(checkoutError()))
	rlog.Error("reservation failed", zap.Error(errors.Join(errTimeout, errDeclined)))
}

func logWithZerolog() {
	// zerolog writes only an error's text; its stack marshaler hands
	// sentrylog the error itself, so the Go types and frames reach Sentry.
	zerolog.ErrorStackMarshaler = zerologsentry.MarshalStack
	w := zerologsentry.NewWriter(zerolog.ConsoleWriter{Out: os.Stderr}, zerologsentry.Options{
		Logger: "shop.zerolog", LogsLevel: zerologsentry.Level(zerolog.InfoLevel),
	})
	log := zerolog.New(w).Hook(w).With().Timestamp().Logger()
	ctx := request("zerolog")
	log.Info().Ctx(ctx).Int("items", 3).Msg("cart loaded")
	log.Info().Ctx(ctx).Int("amount_cents", 4599).Msg("charging card")
	log.Error().Ctx(ctx).Stack().Err(checkoutError()).Msg("checkout failed")
	log.Error().Ctx(ctx).Stack().Err(errors.Join(errTimeout, errDeclined)).Msg("reservation failed")
}

func printEvent(out io.Writer, ev *core.Event) {
	title := ""
	if n := len(ev.Exception); n > 0 {
		title = ev.Exception[n-1].Type + ": " + firstLine(ev.Exception[n-1].Value)
	} else if ev.Message != nil {
		title = ev.Message.Formatted
	}
	fmt.Fprintf(out, "● %s  [%s]  logger=%s\n", title, ev.Level, ev.Logger)
	if ev.Message != nil {
		fmt.Fprintf(out, "  message:     %s\n", ev.Message.Formatted)
	}
	if len(ev.Exception) > 0 {
		fmt.Fprintln(out, "  exceptions (root cause first):")
		for _, ex := range ev.Exception {
			indent := "    "
			if m := ex.Mechanism; m != nil && m.ParentID != nil {
				indent += strings.Repeat("  ", depth(ev.Exception, *m.ParentID))
			}
			group := ""
			if ex.Mechanism != nil && ex.Mechanism.IsExceptionGroup {
				group = " (group)"
			}
			if ex.Mechanism != nil && ex.Mechanism.Data["go_type"] != nil {
				// The title names the most informative error; the Go type of
				// the outermost error is kept in its mechanism's data.
				group += fmt.Sprintf(" [Go type %v]", ex.Mechanism.Data["go_type"])
			}
			fmt.Fprintf(out, "%s%s: %s%s\n", indent, ex.Type, firstLine(ex.Value), group)
			if ex.Stacktrace != nil {
				for _, f := range ex.Stacktrace.Frames {
					if f.InApp {
						fmt.Fprintf(out, "%s  at %s (%s:%d)\n", indent, f.Function, f.Filename, f.Lineno)
					}
				}
			}
		}
	}
	if len(ev.Tags) > 0 {
		keys := make([]string, 0, len(ev.Tags))
		for k := range ev.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+ev.Tags[k])
		}
		fmt.Fprintf(out, "  tags:        %s\n", strings.Join(kv, " "))
	}
	if ev.User != nil {
		fmt.Fprintf(out, "  user:        id=%s email=%s\n", ev.User.ID, ev.User.Email)
	}
	for i, b := range ev.Breadcrumbs {
		label := "breadcrumbs:"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(out, "  %-12s [%s] %s %v\n", label, b.Level, b.Message, b.Data)
	}
	fmt.Fprintln(out)
}

// depth is how deep the exception with the given id sits in the tree.
func depth(exs []protocol.Exception, id int) int {
	d := 1
	for guard := 0; guard < len(exs); guard++ {
		parent := -1
		for _, ex := range exs {
			if m := ex.Mechanism; m != nil && m.ExceptionID != nil && *m.ExceptionID == id && m.ParentID != nil {
				parent = *m.ParentID
			}
		}
		if parent < 0 {
			return d
		}
		d++
		id = parent
	}
	return d
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// printLog prints one Sentry log: level, body, and its attributes other
// than the SDK's own (sentry.*, code.*, server.address).
func printLog(out io.Writer, l sentrytest.Log) {
	keys := make([]string, 0, len(l.Attributes))
	for k := range l.Attributes {
		if !strings.HasPrefix(k, "sentry.") && !strings.HasPrefix(k, "code.") && k != "server.address" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var kv []string
	for _, k := range keys {
		kv = append(kv, strings.ReplaceAll(fmt.Sprintf("%s=%v", k, l.Attributes[k]), "\n", `\n`))
	}
	fmt.Fprintf(out, "▸ log [%-5s] %-20s %s  (%s)\n", l.Level, l.Body, strings.Join(kv, " "), l.Attributes["sentry.origin"])
}
