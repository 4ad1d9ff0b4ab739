package scrub

import (
	"hash/maphash"
	"maps"
	"slices"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/scrubbind"
)

// defaultBodySize is the reference's "medium" request body limit.
const defaultBodySize = 10000

// Scrubber removes secrets from events. Its rules are fixed when it is
// built; it is safe for concurrent use.
type Scrubber struct {
	deny      *keySet
	allow     *keySet
	pii       bool
	shallow   bool
	bodyLimit int // -1: no limit, 0: drop every body
	det       detectors
	cache     keyCache
	opts      Options // as given to New, for forClient
}

func init() {
	scrubbind.Bind = func(s any, pii bool, bodyLimit int) (any, bool) {
		sc, ok := s.(*Scrubber)
		if !ok || sc == nil {
			return s, false
		}
		return sc.forClient(pii, bodyLimit), true
	}
}

// forClient returns a scrubber with s's rules that also honours a client's
// options: personal data is kept when either says so, and a request body
// limit left unset takes the client's, while one set on both keeps the
// stricter. Adding keys or detectors to a scrubber thus changes nothing
// else a client was told.
func (s *Scrubber) forClient(pii bool, bodyLimit int) *Scrubber {
	o := s.opts
	o.SendDefaultPII = o.SendDefaultPII || pii
	own := s.bodyLimit
	if o.MaxRequestBodySize == 0 && !o.DropRequestBody {
		own = bodyLimit // unset: the client's
	}
	limit := stricterLimit(own, bodyLimit)
	o.DropRequestBody, o.MaxRequestBodySize = limit == 0, limit
	if o.SendDefaultPII == s.opts.SendDefaultPII && limit == s.bodyLimit {
		return s
	}
	return New(o)
}

// stricterLimit returns the smaller of two body limits, where -1 is none.
func stricterLimit(a, b int) int {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

// New builds a scrubber from o; see Options for the defaults. It copies what
// it keeps of o, so o's slices may be reused afterwards.
func New(o Options) *Scrubber {
	keys := o.Keys
	if keys == nil {
		keys = slices.Concat(DefaultKeys, PatternKeys)
	}
	lists := [][]string{keys, o.ExtraKeys}
	if !o.SendDefaultPII {
		lists = append(lists, PIIKeys)
	}
	s := &Scrubber{
		deny:    newKeySet(lists...),
		pii:     o.SendDefaultPII,
		shallow: o.Shallow,
	}
	s.cache.seed = maphash.MakeSeed()
	if len(o.AllowKeys) > 0 {
		s.allow = newKeySet(o.AllowKeys)
	}
	switch {
	case o.DropRequestBody:
		s.bodyLimit = 0
	case o.MaxRequestBodySize < 0:
		s.bodyLimit = -1
	case o.MaxRequestBodySize == 0:
		s.bodyLimit = defaultBodySize
	default:
		s.bodyLimit = o.MaxRequestBodySize
	}
	s.det = newDetectors(o)
	s.opts = o
	s.opts.Keys = slices.Clone(o.Keys)
	s.opts.ExtraKeys = slices.Clone(o.ExtraKeys)
	s.opts.AllowKeys = slices.Clone(o.AllowKeys)
	s.opts.Detectors = slices.Clone(o.Detectors)
	s.opts.DisableDetectors = slices.Clone(o.DisableDetectors)
	return s
}

// Scrub removes secrets from ev in place; see the package documentation for
// what it touches. It never writes into a map, slice or struct that ev only
// points to: a container that needs a change is copied first and the copy is
// put into ev, so values shared with scopes or with the caller are never
// modified. It is safe for concurrent use and does not panic.
func (s *Scrubber) Scrub(ev *protocol.Event) {
	if ev == nil {
		return
	}
	if ev.Message != nil {
		ev.Message = s.logEntry(ev.Message)
	}
	// The transaction names a route or a task; it may hold a path with an
	// e-mail address or a token in it.
	ev.Transaction, _ = s.text(ev.Transaction, scanAll)
	// A fingerprint is often a message or a value the program logged (with
	// AttachStacktrace a message event's fingerprint is its message).
	if fp, ch := s.strings(ev.Fingerprint, scanAll); ch {
		ev.Fingerprint = fp
	}
	if m, ch := s.stringMap(ev.Tags, true); ch {
		ev.Tags = m
	}
	if c, ch := s.contexts(ev.Contexts); ch {
		ev.Contexts = c
	}
	if m, ch := s.mapAny(ev.Extra, 0, true); ch {
		ev.Extra = m
	}
	if ev.User != nil {
		ev.User = s.user(ev.User)
	}
	if ev.Request != nil {
		ev.Request = s.request(ev.Request)
	}
	if bs, ch := s.breadcrumbs(ev.Breadcrumbs); ch {
		ev.Breadcrumbs = bs
	}
	if ex, ch := s.exceptions(ev.Exception); ch {
		ev.Exception = ex
	}
	if ev.Stacktrace != nil {
		if st, ch := s.stacktrace(ev.Stacktrace); ch {
			ev.Stacktrace = st
		}
	}
}

// strings scrubs each string of a list, copying the list when one changes.
func (s *Scrubber) strings(l []string, m scanMode) ([]string, bool) {
	var out []string
	for i, e := range l {
		ne, ch := s.text(e, m)
		if !ch {
			continue
		}
		if out == nil {
			out = slices.Clone(l)
		}
		out[i] = ne
	}
	if out == nil {
		return l, false
	}
	return out, true
}

func (s *Scrubber) logEntry(le *protocol.LogEntry) *protocol.LogEntry {
	msg, ch1 := s.text(le.Message, scanAll)
	formatted, ch2 := s.text(le.Formatted, scanAll)
	params, ch3 := s.slice(le.Params, 0, scanAll)
	if !ch1 && !ch2 && !ch3 {
		return le
	}
	out := *le
	out.Message, out.Formatted = msg, formatted
	if ch3 {
		out.Params = params
	}
	return &out
}

func (s *Scrubber) contexts(c map[string]map[string]any) (map[string]map[string]any, bool) {
	var out map[string]map[string]any
	for name, m := range c {
		if s.classify(name) == keyAllowed {
			continue
		}
		nm, ch := s.mapAny(m, 0, true)
		if !ch {
			continue
		}
		if out == nil {
			out = maps.Clone(c)
		}
		out[name] = nm
	}
	return out, out != nil
}

func (s *Scrubber) user(u *protocol.User) *protocol.User {
	// The identity fields were set on purpose: only secrets are looked
	// for, not personal data.
	id, ch1 := s.text(u.ID, scanNoPII)
	username, ch2 := s.text(u.Username, scanNoPII)
	name, ch3 := s.text(u.Name, scanNoPII)
	data, ch4 := s.mapAny(u.Data, 0, true)
	dropIP := !s.pii && u.IPAddress != ""
	if !ch1 && !ch2 && !ch3 && !ch4 && !dropIP {
		return u
	}
	out := *u
	out.ID, out.Username, out.Name = id, username, name
	if ch4 {
		out.Data = data
	}
	if dropIP {
		out.IPAddress = ""
	}
	return &out
}

func (s *Scrubber) request(r *protocol.Request) *protocol.Request {
	url, ch1 := s.text(r.URL, scanAll)
	query, ch2 := s.text(r.QueryString, scanAll)
	headers, ch3 := s.stringMap(r.Headers, true)
	env, ch4 := s.stringMap(r.Env, true)
	cookies, ch5 := s.cookies(r.Cookies)
	data, ch6 := s.body(r.Data)
	if !ch1 && !ch2 && !ch3 && !ch4 && !ch5 && !ch6 {
		return r
	}
	out := *r
	out.URL, out.QueryString, out.Headers, out.Env, out.Cookies, out.Data = url, query, headers, env, cookies, data
	return &out
}

// cookies filters the values of denied cookie names and, without
// SendDefaultPII, every value: cookies identify the user.
func (s *Scrubber) cookies(c map[string]string) (map[string]string, bool) {
	if s.pii {
		return s.stringMap(c, true)
	}
	var out map[string]string
	for k, v := range c {
		if v == Filtered || s.classify(k) == keyAllowed {
			continue
		}
		if out == nil {
			out = maps.Clone(c)
		}
		out[k] = Filtered
	}
	if out == nil {
		return c, false
	}
	return out, true
}

func (s *Scrubber) breadcrumbs(bs []protocol.Breadcrumb) ([]protocol.Breadcrumb, bool) {
	var out []protocol.Breadcrumb
	for i := range bs {
		b := &bs[i]
		msg, ch1 := s.text(b.Message, scanAll)
		data, ch2 := s.mapAny(b.Data, 0, true)
		if !ch1 && !ch2 {
			continue
		}
		if out == nil {
			out = slices.Clone(bs)
		}
		out[i].Message = msg
		if ch2 {
			out[i].Data = data
		}
	}
	if out == nil {
		return bs, false
	}
	return out, true
}

func (s *Scrubber) exceptions(exs []protocol.Exception) ([]protocol.Exception, bool) {
	var out []protocol.Exception
	for i := range exs {
		e := &exs[i]
		value, ch1 := s.text(e.Value, scanAll)
		var mech *protocol.Mechanism
		ch2 := false
		if e.Mechanism != nil {
			var data map[string]any
			if data, ch2 = s.mapAny(e.Mechanism.Data, 0, true); ch2 {
				m := *e.Mechanism
				m.Data = data
				mech = &m
			}
		}
		var st *protocol.Stacktrace
		ch3 := false
		if e.Stacktrace != nil {
			st, ch3 = s.stacktrace(e.Stacktrace)
		}
		if !ch1 && !ch2 && !ch3 {
			continue
		}
		if out == nil {
			out = slices.Clone(exs)
		}
		out[i].Value = value
		if ch2 {
			out[i].Mechanism = mech
		}
		if ch3 {
			out[i].Stacktrace = st
		}
	}
	if out == nil {
		return exs, false
	}
	return out, true
}

func (s *Scrubber) stacktrace(st *protocol.Stacktrace) (*protocol.Stacktrace, bool) {
	var frames []protocol.Frame
	for i := range st.Frames {
		vars, ch := s.mapAny(st.Frames[i].Vars, 0, true)
		if !ch {
			continue
		}
		if frames == nil {
			frames = slices.Clone(st.Frames)
		}
		frames[i].Vars = vars
	}
	if frames == nil {
		return st, false
	}
	return &protocol.Stacktrace{Frames: frames}, true
}
