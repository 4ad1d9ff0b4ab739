package protocol

import (
	"encoding/json"
	"time"
)

// EventID is a UUIDv4 written as 32 lowercase hex characters.
type EventID string

// Event is one Sentry error or message event.
//
// Maps and slices are owned by the event once it is handed to the client:
// callers must not modify them afterwards.
type Event struct {
	EventID     EventID                   `json:"event_id"`
	Timestamp   time.Time                 `json:"timestamp"`
	Platform    string                    `json:"platform"`
	Level       Level                     `json:"level"`
	Logger      string                    `json:"logger,omitempty"`
	Transaction string                    `json:"transaction,omitempty"`
	ServerName  string                    `json:"server_name,omitempty"`
	Release     string                    `json:"release,omitempty"`
	Dist        string                    `json:"dist,omitempty"`
	Environment string                    `json:"environment,omitempty"`
	Message     *LogEntry                 `json:"logentry,omitempty"`
	Exception   []Exception               `json:"-"`
	Breadcrumbs []Breadcrumb              `json:"-"`
	Tags        map[string]string         `json:"tags,omitempty"`
	Contexts    map[string]map[string]any `json:"contexts,omitempty"`
	Extra       map[string]any            `json:"extra,omitempty"`
	User        *User                     `json:"user,omitempty"`
	Request     *Request                  `json:"request,omitempty"`
	Fingerprint []string                  `json:"fingerprint,omitempty"`
	// Stacktrace is the capture site's stack for events without an
	// exception (AttachStacktrace).
	Stacktrace *Stacktrace       `json:"stacktrace,omitempty"`
	Modules    map[string]string `json:"modules,omitempty"`
	SDK        *SDK              `json:"sdk,omitempty"`
	// TransactionInfo says how Transaction was named.
	TransactionInfo *TransactionInfo `json:"transaction_info,omitempty"`
	// DSC is the dynamic sampling context of the event's trace (trace_id,
	// public_key, release, environment, ...), sent as the envelope's
	// trace header rather than in the payload.
	DSC map[string]string `json:"-"`
}

// TransactionInfo says how an event's transaction was named.
type TransactionInfo struct {
	// Source is one of custom, url, route, view, component, task.
	Source string `json:"source,omitempty"`
}

// eventJSON adds the wrapped list shapes the schema requires.
type eventJSON struct {
	*eventAlias
	Exception   *valuesOf[Exception]  `json:"exception,omitempty"`
	Breadcrumbs *valuesOf[Breadcrumb] `json:"breadcrumbs,omitempty"`
}

type eventAlias Event

type valuesOf[T any] struct {
	Values []T `json:"values"`
}

// MarshalJSON writes the canonical shape: exception.values and
// breadcrumbs.values, timestamps in UTC.
func (e *Event) MarshalJSON() ([]byte, error) {
	a := eventAlias(*e) // a copy: encoding never writes to the event
	a.Timestamp = e.Timestamp.UTC()
	out := eventJSON{eventAlias: &a}
	if len(e.Exception) > 0 {
		out.Exception = &valuesOf[Exception]{Values: e.Exception}
	}
	if len(e.Breadcrumbs) > 0 {
		out.Breadcrumbs = &valuesOf[Breadcrumb]{Values: e.Breadcrumbs}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the canonical shape back (used by the test receiver).
func (e *Event) UnmarshalJSON(b []byte) error {
	var in eventJSON
	in.eventAlias = (*eventAlias)(e)
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in.Exception != nil {
		e.Exception = in.Exception.Values
	}
	if in.Breadcrumbs != nil {
		e.Breadcrumbs = in.Breadcrumbs.Values
	}
	return nil
}

// LogEntry is the event's message: the template used for grouping, its
// parameters, and the final text.
type LogEntry struct {
	Message   string `json:"message,omitempty"`
	Params    []any  `json:"params,omitempty"`
	Formatted string `json:"formatted,omitempty"`
}

// Exception is one error of an exception chain or group.
type Exception struct {
	Type       string      `json:"type,omitempty"`
	Value      string      `json:"value,omitempty"`
	Module     string      `json:"module,omitempty"`
	Mechanism  *Mechanism  `json:"mechanism,omitempty"`
	Stacktrace *Stacktrace `json:"stacktrace,omitempty"`
}

// Mechanism says how an exception was captured and, for groups, where it sits
// in the tree.
type Mechanism struct {
	Type             string         `json:"type"`
	Handled          *bool          `json:"handled,omitempty"`
	Synthetic        bool           `json:"synthetic,omitempty"`
	Source           string         `json:"source,omitempty"`
	ExceptionID      *int           `json:"exception_id,omitempty"`
	ParentID         *int           `json:"parent_id,omitempty"`
	IsExceptionGroup bool           `json:"is_exception_group,omitempty"`
	Data             map[string]any `json:"data,omitempty"`
}

// Stacktrace lists frames from caller to callee: the last frame is where the
// error was created or captured.
type Stacktrace struct {
	Frames []Frame `json:"frames"`
}

// Frame is one stack frame.
type Frame struct {
	Function string         `json:"function,omitempty"`
	Module   string         `json:"module,omitempty"`
	Filename string         `json:"filename,omitempty"`
	AbsPath  string         `json:"abs_path,omitempty"`
	Lineno   int            `json:"lineno,omitempty"`
	InApp    bool           `json:"in_app"`
	Vars     map[string]any `json:"vars,omitempty"`
}

// Breadcrumb is one entry of the trail that led to an event.
type Breadcrumb struct {
	Timestamp time.Time      `json:"timestamp"`
	Type      string         `json:"type,omitempty"`
	Category  string         `json:"category,omitempty"`
	Message   string         `json:"message,omitempty"`
	Level     Level          `json:"level"`
	Data      map[string]any `json:"data,omitempty"`
}

// User identifies the user the event happened to.
type User struct {
	ID        string         `json:"id,omitempty"`
	Username  string         `json:"username,omitempty"`
	Email     string         `json:"email,omitempty"`
	IPAddress string         `json:"ip_address,omitempty"`
	Name      string         `json:"name,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
}

// IsEmpty reports whether no field of u is set.
func (u *User) IsEmpty() bool {
	return u == nil || (u.ID == "" && u.Username == "" && u.Email == "" && u.IPAddress == "" && u.Name == "" && len(u.Data) == 0)
}

// Request describes the HTTP request an event happened in.
type Request struct {
	Method      string            `json:"method,omitempty"`
	URL         string            `json:"url,omitempty"`
	QueryString string            `json:"query_string,omitempty"`
	Data        any               `json:"data,omitempty"`
	Cookies     map[string]string `json:"cookies,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Env         map[string]string `json:"env,omitempty"`
}

// SDK names the SDK that produced the event.
type SDK struct {
	Name         string       `json:"name"`
	Version      string       `json:"version"`
	Integrations []string     `json:"integrations,omitempty"`
	Packages     []SDKPackage `json:"packages,omitempty"`
}

// SDKPackage is one package the SDK is made of.
type SDKPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}
