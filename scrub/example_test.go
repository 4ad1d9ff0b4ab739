package scrub_test

import (
	"fmt"
	"regexp"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/scrub"
)

func ExampleNew() {
	s := scrub.New(scrub.Options{}) // the core's default: no PII, every detector
	ev := &protocol.Event{
		Message: &protocol.LogEntry{Formatted: "payment by bob@example.com with 4111 1111 1111 1111 failed"},
		Contexts: map[string]map[string]any{"log": {
			"order_id": "A-1042",
			"db":       map[string]any{"host": "db.internal", "Password": "hunter2"},
			"dsn":      "postgres://app:hunter2@db.internal/shop",
		}},
		User: &protocol.User{ID: "42", IPAddress: "203.0.113.7"},
	}
	s.Scrub(ev)

	log := ev.Contexts["log"]
	fmt.Println(ev.Message.Formatted)
	fmt.Println(log["order_id"], log["db"], log["dsn"])
	fmt.Printf("user %s, ip %q\n", ev.User.ID, ev.User.IPAddress)
	// Output:
	// payment by [Filtered] with [Filtered] failed
	// A-1042 map[Password:[Filtered] host:db.internal] postgres://app:[Filtered]@db.internal/shop
	// user 42, ip ""
}

func ExampleOptions() {
	s := scrub.New(scrub.Options{
		SendDefaultPII:   true,                           // keep e-mail and IP addresses
		ExtraKeys:        []string{"ssn", "*_pin"},       // deny more keys
		AllowKeys:        []string{"csrf_token"},         // never touch these
		DisableDetectors: []string{scrub.DetectKeyValue}, // leave key=value text alone
		Detectors: []scrub.Detector{scrub.RegexpDetector( // add a detector
			"iban", "DE", regexp.MustCompile(`\bDE[0-9]{20}\b`))},
	})
	ev := &protocol.Event{
		Message: &protocol.LogEntry{Formatted: "refund to DE89370400440532013000 for bob@example.com, note=ok"},
		Extra:   map[string]any{"SSN": "078-05-1120", "card_pin": 1234, "csrf_token": "abc", "token": "xyz"},
	}
	s.Scrub(ev)
	fmt.Println(ev.Message.Formatted)
	fmt.Println(ev.Extra["SSN"], ev.Extra["card_pin"], ev.Extra["csrf_token"], ev.Extra["token"])
	// Output:
	// refund to [Filtered] for bob@example.com, note=ok
	// [Filtered] [Filtered] abc [Filtered]
}

// Secrets go, even URL-encoded; the text engineers debug with stays.
func Example_debuggingText() {
	s := scrub.New(scrub.Options{})
	for _, text := range []string{
		"dial tcp 10.20.30.40:5432: connect: connection refused",
		`unsupported version "1.2.3.4"`,
		"order 4000000000000002 shipped",
		"GET /login?email=bob%40example.com&card=4111+1111+1111+1111&page=2",
		"open app:s3cr3t@tcp(db.internal:3306)/shop: access denied",
	} {
		ev := &protocol.Event{Message: &protocol.LogEntry{Formatted: text}}
		s.Scrub(ev)
		fmt.Println(ev.Message.Formatted)
	}
	// Output:
	// dial tcp 10.20.30.40:5432: connect: connection refused
	// unsupported version "1.2.3.4"
	// order 4000000000000002 shipped
	// GET /login?email=[Filtered]&card=[Filtered]&page=2
	// open app:[Filtered]@tcp(db.internal:3306)/shop: access denied
}
