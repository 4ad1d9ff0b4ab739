package zerologsentry_test

import "runtime"

func runtimeCallers(skip int, pcs []uintptr) int { return runtime.Callers(skip+1, pcs) }
