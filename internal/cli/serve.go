package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"pingyi/internal/config"
)

func serveCmd(ctx context.Context, cfg config.Config, log *slog.Logger, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "pingyi serve: 尚未实现")
	return 1
}

func devCmd(ctx context.Context, cfg config.Config, log *slog.Logger, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "pingyi dev: 尚未实现")
	return 1
}

func createUserCmd(ctx context.Context, cfg config.Config, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "pingyi create-user: 尚未实现")
	return 1
}

func seedDemoCmd(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "pingyi seed-demo: 尚未实现")
	return 1
}
