package zerologsentry

import (
	"bytes"
	"context"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
)

// Origin is the mechanism type of exceptions, and the sentry.origin of
// Sentry logs, made from zerolog records.
const Origin = "auto.log.zerolog"

// Writer is a zerolog.LevelWriter that passes every line to the output it
// wraps and sends the lines at or above its thresholds to Sentry, and a
// zerolog.Hook that tells it the context of each event. Set it up as both:
//
//	w := zerologsentry.NewWriter(os.Stderr, zerologsentry.Options{})
//	logger := zerolog.New(w).Hook(w)
//
// or beside the output, zerolog.New(zerolog.MultiLevelWriter(os.Stderr,
// w)).Hook(w). The package doc lists the set-ups that carry each record's
// context. A Writer is safe for concurrent use. Nothing in a line makes it panic, and
// it never waits for the network, except to flush Fatal and Panic records,
// within the client's ShutdownTimeout.
type Writer struct {
	out     io.Writer
	lout    zerolog.LevelWriter // out, when it is one
	opts    Options
	crumb   zerolog.Level // BreadcrumbLevel
	event   zerolog.Level // EventLevel
	logs    zerolog.Level // LogsLevel
	min     zerolog.Level // the lowest of the three
	ctxs    handoff[hooked]
	withCtx atomic.Bool // the hook has seen an event with a context
	decs    sync.Pool   // *decoder
	cbored  sync.Once
}

// hooked is what the hook leaves for the write of its event.
type hooked struct {
	level zerolog.Level
	msg   string
	ctx   context.Context // nil: none
}

var (
	_ zerolog.LevelWriter = (*Writer)(nil)
	_ zerolog.Hook        = (*Writer)(nil)
)

// NewWriter returns a Writer that writes every line to out unchanged (out may be
// nil to write nowhere) and sends records to Sentry as opts say. Use the
// result as the logger's writer and as its hook (see Writer). Like any
// zerolog writer, out receives lines from every goroutine that logs: wrap it
// in zerolog.SyncWriter when it is not safe for concurrent use. When out is
// a zerolog.LevelWriter, it gets each line's level.
func NewWriter(out io.Writer, opts Options) *Writer {
	if out == nil {
		out = io.Discard
	}
	w := &Writer{out: out, opts: opts, crumb: zerolog.InfoLevel, event: zerolog.ErrorLevel, logs: zerolog.Disabled}
	w.lout, _ = out.(zerolog.LevelWriter)
	if opts.BreadcrumbLevel != nil {
		w.crumb = *opts.BreadcrumbLevel
	}
	if opts.EventLevel != nil {
		w.event = *opts.EventLevel
	}
	if opts.LogsLevel != nil {
		w.logs = *opts.LogsLevel
	}
	w.min = min(w.crumb, w.event, w.logs)
	w.opts.TagKeys = opts.TagKeys[:len(opts.TagKeys):len(opts.TagKeys)]
	w.decs.New = func() any { return &decoder{tmp: make([]slog.Attr, 0, 16)} }
	return w
}

// wants is the gate: the level is one Sentry gets at all.
func (w *Writer) wants(l zerolog.Level) bool {
	return l >= w.min && l <= zerolog.PanicLevel
}

func (w *Writer) client() *core.Client {
	if w.opts.Client != nil {
		return w.opts.Client
	}
	return core.CurrentClient()
}

// Run implements zerolog.Hook. For an event Sentry will get, it notes the
// event's level, message and context (Event.Ctx, or the logger's
// Context.Ctx) for the write of the same event, which follows on the same
// goroutine; it adds nothing to the event. It does nothing for other events.
func (w *Writer) Run(e *zerolog.Event, level zerolog.Level, msg string) {
	if binaryLog || !w.wants(level) || !bridge.Accepts(w.client()) {
		return // the write drops the line unseen: a note would never be taken
	}
	// GetCtx says context.Background() when the event has none: nothing to
	// route by.
	ctx := e.GetCtx()
	if ctx == context.Background() || ctx == context.TODO() {
		ctx = nil
	}
	if ctx == nil {
		if !w.withCtx.Load() {
			return // an unpaired line goes to the global scope anyway
		}
	} else if !w.withCtx.Load() {
		w.withCtx.Store(true)
	}
	w.ctxs.put(curg(), hooked{level: level, msg: msg, ctx: ctx})
}

// Write implements io.Writer for callers that do not know levels: the line
// goes to the output and, when its level field names a level Sentry wants,
// to Sentry as well.
func (w *Writer) Write(p []byte) (int, error) {
	return w.WriteLevel(lineLevel(p), p)
}

// WriteLevel implements zerolog.LevelWriter. It writes p to the output,
// unchanged, then, for a level at or above the lower threshold, decodes the
// line and hands it to the client as a breadcrumb or an event. Fatal and
// Panic records are flushed before it returns, within the client's
// ShutdownTimeout, since zerolog exits or panics next. p is not kept.
func (w *Writer) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	n := len(p)
	err := w.pass(level, p)
	if binaryLog {
		w.cborOnce()
		return n, err
	}
	if w.wants(level) {
		w.send(level, p)
	}
	return n, err
}

func (w *Writer) pass(level zerolog.Level, p []byte) error {
	var err error
	if w.lout != nil {
		_, err = w.lout.WriteLevel(level, p)
	} else {
		_, err = w.out.Write(p)
	}
	return err
}

// send turns the line into a record for the client. It never panics: a
// failure is reported through the client's debug log.
//
// The record's context is what the hook left on this goroutine for a line of
// this level and message (see handoff). When the hook has seen contexts and
// left nothing that matches, the line may be one whose context is lost (its
// entry evicted, or the line written on another goroutine by an
// asynchronous writer): it is sent as ContextLost, so that a request's
// breadcrumb is dropped rather than put on the global scope. A Writer whose
// hook has never seen a context sends every line to the global scope.
//
// The match by level and message is what tells an entry left for this line
// from one left for a line that never came (discarded by a later hook). A
// line the hook did not see (a logger without it, sharing the Writer), of
// the same level and message as a discarded event logged just before on the
// same goroutine, with no record through the hook in between, takes that
// event's context: the Writer has nothing else to tell them apart by. A
// line without a message matches only an entry without one (zerolog writes
// no message field for an empty message; a line whose last field is a
// "message" of the program's own is then unpaired).
func (w *Writer) send(level zerolog.Level, line []byte) {
	c := w.client()
	if !bridge.Accepts(c) {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			bridge.Debugf(c, "zerologsentry: dropping a %s record: %v", level, r)
		}
	}()
	s := string(line)
	msg, msgAt, found := lastMessage(s)
	rec := bridge.Record{Logger: w.opts.Logger, Origin: Origin}
	if w.withCtx.Load() {
		g := curg()
		h, ok := w.ctxs.take(g, func(h *hooked) bool {
			return h.level == level && found == (h.msg != "") && sameMessage(h.msg, msg)
		})
		rec.Context, rec.ContextLost = h.ctx, !ok
	}
	lvl, _ := sentryLevel(level)
	asLog := level >= w.logs && bridge.LogsEnabled(c)
	if level < w.event {
		w.lineRecord(lvl, s, msg, msgAt, found, &rec)
		if asLog {
			bridge.CaptureLog(c, &rec, logLevel(level), nil)
		}
		if level >= w.crumb {
			bridge.AddRecordBreadcrumb(c, &rec)
		}
		if asLog && level >= zerolog.FatalLevel {
			w.flush(c, level)
		}
		return
	}
	d := w.decs.Get().(*decoder)
	defer func() {
		d.reset("")
		if cap(d.tmp) <= 256 {
			w.decs.Put(d)
		}
	}()
	if err := d.decodeLine(s); err != nil {
		bridge.Debugf(c, "zerologsentry: %v; sending what was read", err)
		if len(d.attrs) == 0 && d.msg == "" {
			d.msg = strings.TrimSpace(s)
		}
	}
	rec.Time, rec.Level, rec.Message = d.time, lvl, d.msg
	rec.TagKeys, rec.Attrs = w.opts.TagKeys, d.attrs
	linked := linkedError(d)
	if d.hasErr || linked != nil {
		err := linked
		var frames []protocol.Frame
		if err == nil {
			err = &LoggedError{Text: d.errText}
			if d.stack != "" {
				frames = parseStack(d.stack, c)
			}
		}
		rec.Frames = frames
		rec.Attrs = append(rec.Attrs, slog.Any(zerolog.ErrorFieldName, err))
		if linked != nil {
			d.stack = "" // MarshalStack's frames: the error has them
		}
	}
	if d.stack != "" && rec.Frames == nil {
		// A stack field that holds no frames is an ordinary field.
		if v, err := (&decoder{s: d.stack}).value(); err == nil {
			rec.Attrs = append(rec.Attrs, slog.Attr{Key: zerolog.ErrorStackFieldName, Value: v})
		}
	}
	d.tmp = rec.Attrs // cleared with the rest when d goes back to the pool
	bridge.CaptureRecord(c, &rec)
	if asLog {
		bridge.CaptureLog(c, &rec, logLevel(level), nil)
	}
	if level >= zerolog.FatalLevel {
		w.flush(c, level)
	}
}

// flush delivers what c holds before zerolog exits or panics, within the
// client's ShutdownTimeout.
func (w *Writer) flush(c *core.Client, level zerolog.Level) {
	timeout := c.Options().ShutdownTimeout
	fctx, cancel := context.WithTimeout(context.Background(), timeout)
	if !c.Flush(fctx) {
		bridge.Debugf(c, "zerologsentry: the %s record was not delivered within %s", level, timeout)
	}
	cancel()
}

// lineLevel reads the level field of a line, for Write.
func lineLevel(p []byte) zerolog.Level {
	key := `"` + zerolog.LevelFieldName + `":"`
	i := bytes.Index(p, []byte(key))
	if i < 0 {
		return zerolog.NoLevel
	}
	rest := p[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return zerolog.NoLevel
	}
	l, err := zerolog.ParseLevel(string(rest[:j]))
	if err != nil {
		return zerolog.NoLevel
	}
	return l
}

// sameMessage reports whether the message the hook saw is the one read
// from the line: zerolog writes each byte of invalid UTF-8 as U+FFFD.
func sameMessage(hook, line string) bool {
	if hook == line || utf8.ValidString(hook) {
		return hook == line
	}
	j := 0
	for _, r := range hook { // an invalid byte is utf8.RuneError, 1 byte wide
		lr, n := utf8.DecodeRuneInString(line[j:])
		if n == 0 || lr != r {
			return false
		}
		j += n
	}
	return j == len(line)
}
