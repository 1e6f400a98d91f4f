// Command pingyi runs the 一述双评 evaluation application and its tools.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"pingyi/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
