#include "textflag.h"

// func getfp() uintptr
//
// getfp returns its caller's frame pointer: with no frame of its own, BP
// still holds the caller's.
TEXT ·getfp(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ BP, ret+0(FP)
	RET
