// Package pglocal boots a project-local PostgreSQL server as a child process.
// `make run` keeps its cluster under a git-ignored folder between runs; tests use a
// throwaway one. The server listens only on a unix socket in a short private folder.
package pglocal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"pingyi/internal/config"
)

// ErrNoBinaries is returned when no PostgreSQL server binaries are installed.
var ErrNoBinaries = errors.New("未找到 PostgreSQL 服务器程序（initdb / postgres）：请以 root 运行 `make run`/`make test` 自动安装，或执行 `sudo apt-get install -y postgresql`")

// Options says where the cluster lives and how durable it is.
type Options struct {
	// DataDir holds the cluster; it is created with initdb when it has no PG_VERSION.
	DataDir string
	// FsyncOff trades durability for speed; only for throwaway test clusters.
	FsyncOff bool
	// Log receives the server's output; nil discards it.
	Log *os.File
	// SocketDir, if set, is where the server's unix socket goes (kept across restarts
	// and left in place by Stop); otherwise a fresh short folder under /tmp.
	SocketDir string
	// BinDir is the folder of initdb and postgres; empty means BinDir's choice.
	BinDir string
	// Settings are more server settings, name=value each (the cluster harness's).
	Settings []string
}

// Server is a running PostgreSQL child process.
type Server struct {
	cmd       *exec.Cmd
	socketDir string
	ownSocket bool // the socket folder is ours to remove
	done      chan error
}

// BinDir finds the PostgreSQL server binary folder: PINGYI_PG_BIN (config.PGBin) if set,
// else the newest installed under /usr/lib/postgresql.
func BinDir() (string, error) {
	if d := config.PGBin(os.Getenv); d != "" {
		return d, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(matches) == 0 {
		return "", ErrNoBinaries
	}
	sort.Slice(matches, func(i, j int) bool {
		return versionOf(matches[i]) > versionOf(matches[j])
	})
	return filepath.Dir(matches[0]), nil
}

func versionOf(path string) int {
	parts := strings.Split(path, string(filepath.Separator))
	for i, p := range parts {
		if p == "postgresql" && i+1 < len(parts) {
			n, _ := strconv.Atoi(parts[i+1])
			return n
		}
	}
	return 0
}

// runAs returns the credential to run the server with: initdb and postgres refuse root,
// so as root they run as the `postgres` system user.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("以 root 运行时 PostgreSQL 须以系统用户 postgres 运行,但该用户不存在:请安装 postgresql 软件包(apt-get install -y postgresql)")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func chownTree(dir string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(cred.Uid), int(cred.Gid))
	})
}

// Start initialises the cluster when needed and starts the server. The server is a
// child of this process and dies with it.
func Start(ctx context.Context, opt Options) (*Server, error) {
	bin := opt.BinDir
	if bin == "" {
		var err error
		if bin, err = BinDir(); err != nil {
			return nil, err
		}
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(opt.DataDir)
	if err != nil {
		return nil, err
	}
	// Parents are created enterable by the server's user; the cluster itself is private.
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return nil, fmt.Errorf("无法创建 PostgreSQL 数据目录 %s(%v);请用 PINGYI_DATA_DIR 指定一个可写的目录", dataDir, err)
	}
	if err := os.Mkdir(dataDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("无法创建 PostgreSQL 数据目录 %s(%v);请用 PINGYI_DATA_DIR 指定一个可写的目录", dataDir, err)
	}
	if err := chownTree(dataDir, cred); err != nil {
		return nil, fmt.Errorf("无法把数据目录 %s 交给 postgres 用户(%v)", dataDir, err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		init := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
			"-D", dataDir, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--auth=trust", "--no-instructions")
		init.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		init.Env = []string{"LC_ALL=C.UTF-8", "PATH=/usr/bin:/bin"}
		var out bytes.Buffer
		init.Stdout, init.Stderr = &out, &out
		if err := init.Run(); err != nil {
			return nil, fmt.Errorf("初始化 PostgreSQL 数据目录 %s 失败(%s);请检查该目录及其上级目录的权限,或用 PINGYI_DATA_DIR 指定其他目录", dataDir, lastLine(out.String()))
		}
	}
	// Unix socket paths are limited to 107 bytes, so the socket lives in a short /tmp folder.
	socketDir, ownSocket := opt.SocketDir, false
	if socketDir == "" {
		if socketDir, err = os.MkdirTemp("", "pgy"); err != nil {
			return nil, err
		}
		ownSocket = true
	}
	if err := chownTree(socketDir, cred); err != nil {
		return nil, err
	}
	args := []string{"-D", dataDir, "-k", socketDir, "-c", "listen_addresses=", "-p", "5432",
		"-c", "max_connections=200", "-c", "shared_buffers=128MB"}
	if opt.FsyncOff {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, s := range opt.Settings {
		args = append(args, "-c", s)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	// Own process group: a Ctrl-C in the terminal reaches us, and we stop the server in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGINT}
	cmd.Env = []string{"LC_ALL=C.UTF-8", "PATH=/usr/bin:/bin"}
	// The last lines of the server's output explain a failed start.
	logBuf := &tail{}
	if opt.Log != nil {
		w := io.MultiWriter(opt.Log, logBuf)
		cmd.Stdout, cmd.Stderr = w, w
	} else {
		cmd.Stdout, cmd.Stderr = logBuf, logBuf
	}
	if err := cmd.Start(); err != nil {
		if ownSocket {
			os.RemoveAll(socketDir)
		}
		return nil, fmt.Errorf("无法启动 PostgreSQL(%v)", err)
	}
	s := &Server{cmd: cmd, socketDir: socketDir, ownSocket: ownSocket, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()

	sock := filepath.Join(socketDir, ".s.PGSQL.5432")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			// The socket appears slightly before the server accepts connections.
			if ready(bin, socketDir) {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			if ownSocket {
				os.RemoveAll(socketDir)
			}
			return nil, fmt.Errorf("PostgreSQL 启动后立即退出(%v:%s);若另一个实例正在使用数据目录 %s,请先停止它", err, lastLine(logBuf.String()), dataDir)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("PostgreSQL 30 秒内未就绪(%s)", lastLine(logBuf.String()))
		}
	}
}

// tail keeps the last few kilobytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 8192 {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-4096:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// DataDir returns where a cluster meant for dir can live. As root the server runs as
// the postgres user, which must be able to enter every folder above the data folder; a
// project cloned under /root or a `mktemp -d` folder is out of its reach. Then the
// cluster lives under /var/lib/pingyi instead, in a folder named after the project's
// path, and moved reports it.
func DataDir(dir string) (path string, moved bool, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	cred, err := runAs()
	if err != nil || cred == nil {
		return abs, false, err
	}
	if reachable(filepath.Dir(abs), cred) {
		return abs, false, nil
	}
	sum := sha256.Sum256([]byte(abs))
	name := filepath.Base(filepath.Dir(abs)) + "-" + hex.EncodeToString(sum[:4])
	return filepath.Join(FallbackRoot, name), true, nil
}

// FallbackRoot holds the clusters of projects the postgres user cannot reach.
const FallbackRoot = "/var/lib/pingyi"

// reachable reports whether the credential may enter dir and every folder above it,
// judged by the permission bits (owner, primary group, others).
func reachable(dir string, cred *syscall.Credential) bool {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return false
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		mode := fi.Mode().Perm()
		switch {
		case st.Uid == cred.Uid:
			if mode&0o100 == 0 {
				return false
			}
		case st.Gid == cred.Gid:
			if mode&0o010 == 0 {
				return false
			}
		default:
			if mode&0o001 == 0 {
				return false
			}
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func ready(bin, socketDir string) bool {
	return exec.Command(filepath.Join(bin, "pg_isready"), "-q", "-h", socketDir, "-p", "5432").Run() == nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// URL returns the connection string as a postgres:// URL, for golang-migrate.
func (s *Server) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=5432&sslmode=disable", database, s.socketDir)
}

// Stop shuts the server down (fast shutdown) and waits for it to exit.
func (s *Server) Stop() error { return s.stop(syscall.SIGINT) }

// StopImmediate stops the server as a crash would (immediate shutdown: no checkpoint,
// recovery from the WAL at the next start), and waits for it to exit.
func (s *Server) StopImmediate() error { return s.stop(syscall.SIGQUIT) }

// SocketDir is the folder of the server's unix socket.
func (s *Server) SocketDir() string { return s.socketDir }

func (s *Server) stop(sig syscall.Signal) error {
	if s.ownSocket {
		defer os.RemoveAll(s.socketDir)
	}
	if s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
		return nil
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return errors.New("pglocal: postgres did not stop in 30s; killed")
	}
}
