package sheet

import (
	"context"
	"errors"
	"io"
)

// Cancellation. A reader stops when the context of its ReadOptions ends (a client that went
// away, a request's deadline): every part of a file is read through a cancelReader, which looks
// at the context before each read of its input — every 64 KB of inflated XML or decoded text —
// so that no loop over the input (blank rows, a huge shared-string table, the scan for merged
// ranges, skipped elements, a CSV of empty lines) runs on after it. Next also looks before each
// row it reads.

// cancelReader fails with the context's error once the context is done.
type cancelReader struct {
	r   io.Reader
	ctx context.Context
}

func (c cancelReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// contextOf returns ctx, or context.Background() for nil.
func contextOf(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// isCancel reports an error that is a context's: the reader was stopped, the file is not at
// fault.
func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
