package probe_test

import "syscall"

func errnoEPIPE() error { return syscall.EPIPE }
