package zerologsentry

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
)

// Origin is the mechanism type of exceptions made from zerolog records.
const Origin = "auto.log.zerolog"

// Writer is a zerolog.LevelWriter that passes every line to the output it
// wraps and sends the lines at or above its thresholds to Sentry, and a
// zerolog.Hook that tells it the context of each event. Set it up as both:
//
//	w := zerologsentry.New(os.Stderr, zerologsentry.Options{})
//	logger := zerolog.New(w).Hook(w)
//
// A Writer is safe for concurrent use. Nothing in a line makes it panic, and
// it never waits for the network, except to flush Fatal and Panic records,
// within the client's ShutdownTimeout.
type Writer struct {
	out    io.Writer
	lout   zerolog.LevelWriter // out, when it is one
	opts   Options
	crumb  zerolog.Level // BreadcrumbLevel
	event  zerolog.Level // EventLevel
	logs   zerolog.Level // LogsLevel
	min    zerolog.Level // the lowest of the three
	ctxs   handoff
	bufs   sync.Pool // *[]byte: lines without their markers
	decs   sync.Pool // *decoder
	cbored sync.Once
}

var (
	_ zerolog.LevelWriter = (*Writer)(nil)
	_ zerolog.Hook        = (*Writer)(nil)
)

// New returns a Writer that writes every line to out unchanged (out may be
// nil to write nowhere) and sends records to Sentry as opts say. Use the
// result as the logger's writer and as its hook (see Writer). Like any
// zerolog writer, out receives lines from every goroutine that logs: wrap it
// in zerolog.SyncWriter when it is not safe for concurrent use. When out is
// a zerolog.LevelWriter, it gets each line's level.
func New(out io.Writer, opts Options) *Writer {
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
	w.bufs.New = func() any { b := make([]byte, 0, 1024); return &b }
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

// Run implements zerolog.Hook. For an event Sentry will get, it keeps the
// event's context (Event.Ctx, or the logger's Context.Ctx) and adds a field
// that names it; WriteLevel takes the field out again before the line goes
// anywhere. It does nothing for other events.
//
// The hook only works with the same Writer as the logger's writer: with any
// other writer the field stays in the output.
func (w *Writer) Run(e *zerolog.Event, level zerolog.Level, _ string) {
	if binaryLog || !w.wants(level) {
		return
	}
	// GetCtx says context.Background() when the event has none: nothing to
	// route by, so nothing to mark.
	ctx := e.GetCtx()
	if ctx == nil || ctx == context.Background() || ctx == context.TODO() || !w.client().Enabled() {
		return
	}
	if id := w.ctxs.put(ctx); id != 0 {
		e.Uint64(markerName, id)
	}
}

// Write implements io.Writer for callers that do not know levels: the line
// goes to the output and, when its level field names a level Sentry wants,
// to Sentry as well.
func (w *Writer) Write(p []byte) (int, error) {
	return w.WriteLevel(lineLevel(p), p)
}

// WriteLevel implements zerolog.LevelWriter. It writes p to the output,
// without the fields the hook and MarshalStack added, then, for a level at
// or above the lower threshold, decodes the line and hands it to the client
// as a breadcrumb or an event. Fatal and Panic records are flushed before it
// returns, within the client's ShutdownTimeout, since zerolog exits or
// panics next. p is not kept.
func (w *Writer) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	n := len(p)
	if binaryLog {
		w.cborOnce()
		return n, w.pass(level, p)
	}
	if !w.wants(level) && !stackMarked.Load() {
		return n, w.pass(level, p) // the hook marks only lines it wants
	}
	at := markerAt(p)
	if at < 0 {
		err := w.pass(level, p)
		if w.wants(level) {
			w.send(level, p, markers{})
		}
		return n, err
	}
	// The hook or MarshalStack marked the line: a copy without the markers
	// goes on (p must not be changed).
	bp := w.bufs.Get().(*[]byte)
	buf, m := cutMarkers(append((*bp)[:0], p[:at]...), p[at:])
	err := w.pass(level, buf)
	w.send(level, buf, m)
	if cap(buf) <= 64<<10 {
		*bp = buf[:0]
		w.bufs.Put(bp)
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
func (w *Writer) send(level zerolog.Level, line []byte, m markers) {
	var ctx context.Context
	if v, ok := w.ctxs.take(m.ctx); ok {
		ctx, _ = v.(context.Context)
	}
	var linked error
	if v, ok := stackErrors.take(m.err); ok {
		linked, _ = v.(error)
	}
	c := w.client()
	if !w.wants(level) || !c.Enabled() {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			c.Debugf("zerologsentry: dropping a %s record: %v", level, r)
		}
	}()
	lvl, _ := sentryLevel(level)
	asLog := level >= w.logs && c.LogsEnabled()
	if level < w.event {
		rec := &core.Record{Logger: w.opts.Logger, Context: ctx, Origin: Origin}
		w.lineRecord(lvl, line, rec)
		if asLog {
			c.CaptureLog(rec, logLevel(level), nil)
		}
		if level >= w.crumb {
			c.AddRecordBreadcrumb(rec)
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
	if err := d.decodeLine(string(line)); err != nil {
		c.Debugf("zerologsentry: %v; sending what was read", err)
		if len(d.attrs) == 0 && d.msg == "" {
			d.msg = strings.TrimSpace(string(line))
		}
	}
	rec := core.Record{
		Time: d.time, Level: lvl, Message: d.msg, Logger: w.opts.Logger,
		Context: ctx, TagKeys: w.opts.TagKeys, Origin: Origin, Attrs: d.attrs,
	}
	if d.hasErr || linked != nil {
		err := linked
		var frames []core.Frame
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
	c.CaptureRecord(&rec)
	if asLog {
		c.CaptureLog(&rec, logLevel(level), nil)
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
		c.Debugf("zerologsentry: the %s record was not delivered within %s", level, timeout)
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
