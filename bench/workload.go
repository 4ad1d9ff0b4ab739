package bench

import (
	"database/sql"
	"fmt"
	"time"
)

// The workload, identical for every logger and every bridge:
//
//   - Disabled: a Debug record, below every threshold (the logger's own and
//     the bridge's): what logging costs where nobody listens.
//   - Breadcrumb: an Info record on a logger that carries two attributes
//     added with With, and three attributes of its own.
//   - Event: an Error record carrying Err (an error wrapped twice) and two
//     attributes.
//
// Each path also has a per-request variant where the bridge supports one:
// every operation makes a new request scope (a sentrylog isolation scope, a
// sentry-go hub clone or scope) and logs once with it.
const (
	MsgDisabled   = "cache probe"
	MsgBreadcrumb = "request served"
	MsgEvent      = "request failed"

	// The two attributes added with With.
	KeyService = "service"
	ValService = "checkout"
	KeyShard   = "shard"
	ValShard   = 7

	// The three attributes of the Breadcrumb record.
	KeyMethod  = "method"
	ValMethod  = "GET"
	KeyStatus  = "status"
	ValStatus  = 200
	KeyElapsed = "elapsed"
	ValElapsed = 3 * time.Millisecond

	// The two attributes of the Event record, beside the error.
	KeyRoute  = "route"
	ValRoute  = "/orders/{id}"
	KeyUserID = "user_id"
	ValUserID = 42
)

// Err is the Event record's error: sql.ErrNoRows wrapped twice with %w.
var Err = fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))

// Paths are the workload's paths in the order the tables show them.
var Paths = []string{"Disabled", "Breadcrumb", "Event", "ReqBreadcrumb", "ReqEvent"}
