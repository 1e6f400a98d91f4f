package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"pingyi/internal/auth"
	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/store"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9_.-]{3,32}$`)

// createUserCmd makes a staff account; the password is read from the first line of
// standard input, so it never appears in the shell history or the process list.
func createUserCmd(ctx context.Context, cfg config.Config, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("create-user", flag.ContinueOnError)
	fs.SetOutput(stderr)
	township := fs.String("township", "", "乡镇名称(不存在则创建)")
	county := fs.String("county", "", "所属县(乡镇尚不存在时必填,随账号一起新建乡镇)")
	username := fs.String("username", "", "登录账号")
	name := fs.String("name", "", "姓名")
	role := fs.String("role", store.RoleOffice, "角色: office(组织办) | leader(党委领导) | secretary(村书记) | county(县委组织部,配 -county,不填 -township)")
	village := fs.String("village", "", "村名(role=secretary 时必填)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *role == store.RoleCounty {
		return createCountyUser(ctx, cfg, *county, *township, *username, *name, stdin, stdout, stderr)
	}
	if *township == "" || *username == "" || *name == "" {
		fmt.Fprintln(stderr, "pingyi create-user: 须提供 -township、-username、-name;密码从标准输入第一行读取,例如:\n  echo '密码' | pingyi create-user -township 小漩乡 -county 示范县 -username zzb -name 周敏 -role office")
		return 2
	}
	if *role != store.RoleOffice && *role != store.RoleLeader && *role != store.RoleSecretary {
		fmt.Fprintln(stderr, "pingyi create-user: -role 须为 office、leader、secretary 或 county")
		return 2
	}
	st, hash, code := openForAccount(ctx, cfg, *username, stdin, stderr)
	if code != 0 {
		return code
	}
	defer st.Close()
	// A township that does not exist is made only when its county is named: a mistyped
	// name must not become a township no county account can see.
	t, err := st.TownshipByName(ctx, *township)
	switch {
	case errors.Is(err, store.ErrNotFound) && *county == "":
		fmt.Fprintf(stderr, "pingyi create-user: 乡镇「%s」不存在。新建乡镇请加 -county 所属县(或先用 pingyi create-township -county 县 -name %s)\n", *township, *township)
		return 2
	case errors.Is(err, store.ErrNotFound):
		t, err = st.EnsureTownship(ctx, *township, *county)
	}
	if err != nil {
		fmt.Fprintln(stderr, "pingyi create-user:", err)
		return 1
	}
	in := store.UserInput{Username: strings.ToLower(*username), DisplayName: *name, Role: *role, PasswordHash: hash, Active: true}
	if *role == store.RoleSecretary {
		vs, err := st.Villages(ctx, t.ID)
		if err != nil {
			fmt.Fprintln(stderr, "pingyi create-user:", err)
			return 1
		}
		for _, v := range vs {
			if v.Name == *village {
				id := v.ID
				in.VillageID = &id
			}
		}
		if in.VillageID == nil {
			fmt.Fprintf(stderr, "pingyi create-user: 乡镇「%s」没有名为「%s」的村\n", t.Name, *village)
			return 2
		}
	}
	if _, err := st.SaveUser(ctx, t.ID, 0, in); err != nil {
		if errors.Is(err, store.ErrConflict) {
			fmt.Fprintf(stderr, "pingyi create-user: 账号「%s」已存在\n", in.Username)
			return 1
		}
		fmt.Fprintln(stderr, "pingyi create-user:", err)
		return 1
	}
	fmt.Fprintf(stdout, "已创建账号 %s(%s,%s,乡镇 %s)\n", in.Username, in.DisplayName, store.RoleLabel(in.Role), t.Name)
	return 0
}

// openForAccount does what every new account needs before it is made: a valid sign-in
// name, a database, the password from stdin (hashed). code is non-zero, with the message
// written, when any of it is missing; otherwise the caller closes st.
func openForAccount(ctx context.Context, cfg config.Config, username string, stdin io.Reader, stderr io.Writer) (st *store.Store, hash string, code int) {
	if !usernameRE.MatchString(strings.ToLower(username)) {
		fmt.Fprintln(stderr, "pingyi create-user: 账号须为 3–32 位小写字母、数字或 _ . -")
		return nil, "", 2
	}
	if !needDatabase(cfg, stderr) {
		return nil, "", 2
	}
	if hash, code = readPassword(stdin, stderr); code != 0 {
		return nil, "", code
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi create-user:", err)
		return nil, "", 1
	}
	return st, hash, 0
}

// readPassword reads the first line of stdin and hashes it; code is non-zero (with the
// message written) when it is unreadable or too short.
func readPassword(stdin io.Reader, stderr io.Writer) (hash string, code int) {
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(stderr, "pingyi create-user: 读取密码:", err)
		return "", 1
	}
	password = strings.TrimRight(password, "\r\n")
	if utf8.RuneCountInString(password) < auth.MinPasswordLength {
		fmt.Fprintln(stderr, "pingyi create-user: 密码至少 8 位(从标准输入第一行读取)")
		return "", 2
	}
	hash, err = auth.HashPassword(password)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi create-user:", err)
		return "", 1
	}
	return hash, 0
}

// createCountyUser makes a county account (县委组织部): it reads every township of its
// county, and writes nothing.
func createCountyUser(ctx context.Context, cfg config.Config, county, township, username, name string, stdin io.Reader, stdout, stderr io.Writer) int {
	if county == "" || township != "" || username == "" || name == "" {
		fmt.Fprintln(stderr, "pingyi create-user: 县级账号须提供 -county、-username、-name,不填 -township,例如:\n  echo '密码' | pingyi create-user -role county -county 示范县 -username xian.zzb -name 县委组织部")
		return 2
	}
	st, hash, code := openForAccount(ctx, cfg, username, stdin, stderr)
	if code != 0 {
		return code
	}
	defer st.Close()
	in := store.CountyUserInput{County: county, Username: strings.ToLower(username), DisplayName: name, PasswordHash: hash}
	switch _, err := st.CreateCountyUser(ctx, in); {
	case errors.Is(err, store.ErrConflict):
		fmt.Fprintf(stderr, "pingyi create-user: 账号「%s」已存在\n", in.Username)
		return 1
	case errors.Is(err, store.ErrInvalid):
		fmt.Fprintf(stderr, "pingyi create-user: 「%s」下还没有乡镇:先用 pingyi create-township -county %s -name 乡镇名 建乡镇\n", county, county)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "pingyi create-user:", err)
		return 1
	}
	fmt.Fprintf(stdout, "已创建县级账号 %s(%s,%s,可查看该县全部乡镇,不能修改)\n", in.Username, in.DisplayName, county)
	return 0
}

// createTownshipCmd adds a township to a county.
func createTownshipCmd(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("create-township", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "乡镇名称")
	county := fs.String("county", "", "所属县")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if strings.TrimSpace(*name) == "" || strings.TrimSpace(*county) == "" {
		fmt.Fprintln(stderr, "pingyi create-township: 须提供 -name 和 -county,例如:pingyi create-township -county 示范县 -name 青山镇")
		return 2
	}
	if !needDatabase(cfg, stderr) {
		return 2
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi create-township:", err)
		return 1
	}
	defer st.Close()
	t, err := st.CreateTownship(ctx, *name, *county)
	if errors.Is(err, store.ErrConflict) {
		fmt.Fprintf(stderr, "pingyi create-township: 乡镇「%s」已存在\n", strings.TrimSpace(*name))
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "pingyi create-township:", err)
		return 1
	}
	fmt.Fprintf(stdout, "已创建乡镇 %s(%s,编号 %d);再用 pingyi create-user -township %s … 建组织办账号\n", t.Name, t.County, t.ID, t.Name)
	return 0
}

func seedDemoCmd(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seed-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	townships := fs.Int("townships", 1, fmt.Sprintf("演示县的乡镇数(1–%d):小漩乡之外另建 N−1 个,各有名册、测评人、账号和已公示的 2025 年度评议;另建县级账号 xian.zzb", demo.MaxTownships))
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *townships < 1 || *townships > demo.MaxTownships {
		fmt.Fprintf(stderr, "pingyi seed-demo: -townships 须为 1 到 %d\n", demo.MaxTownships)
		return 2
	}
	if !needDatabase(cfg, stderr) {
		return 2
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi seed-demo:", err)
		return 1
	}
	defer st.Close()
	started := time.Now()
	if code := seedXiaoxuan(ctx, st, stdout, stderr); code != 0 {
		return code
	}
	if *townships < 2 {
		return 0
	}
	// The county's other townships, each with its 2025 year (internal/demo/county.go,
	// county_year.go), and the county's own account.
	made, err := demo.LoadCounty(ctx, st, *townships)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi seed-demo: 载入演示县的乡镇:", err)
		return 1
	}
	for _, t := range made {
		fmt.Fprintf(stdout, "已载入「%s」:账号 %s.zzb(组织办)、%s.lingdao(党委领导)、%s.shuji(村书记),%d 名测评人,%d 年度评议已公示\n",
			t.Name, t.Slug, t.Slug, t.Slug, demo.CountyRaters, demo.CountyYear)
	}
	if _, err := demo.LoadCountyAccount(ctx, st); err != nil {
		fmt.Fprintln(stderr, "pingyi seed-demo: 建县级账号:", err)
		return 1
	}
	fmt.Fprintf(stdout, "演示县「%s」共 %d 个乡镇;县级账号 %s(%s,只读,各乡镇对比在 /county);演示账号密码 %s\n",
		demo.County, *townships, demo.CountyAccount.Username, demo.CountyAccount.Name, demo.Password)
	fmt.Fprintf(stdout, "用时 %.1f 秒\n", time.Since(started).Seconds())
	return 0
}

// seedXiaoxuan loads the demo township with its history, unless it is there.
func seedXiaoxuan(ctx context.Context, st *store.Store, stdout, stderr io.Writer) int {
	loaded, err := demo.Load(ctx, st)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi seed-demo:", err)
		return 1
	}
	if !loaded {
		fmt.Fprintf(stdout, "演示乡镇「%s」已存在,未作改动。\n", demo.Township)
		return 0
	}
	if _, err := demo.LoadRounds(ctx, st); err != nil {
		fmt.Fprintln(stderr, "pingyi seed-demo: 载入演示评议:", err)
		return 1
	}
	// Talk records, documents and follow-ups after the results (internal/demo/talks.go).
	if _, err := demo.LoadTalks(ctx, st); err != nil {
		fmt.Fprintln(stderr, "pingyi seed-demo: 载入演示谈话:", err)
		return 1
	}
	// The commitments of the villages and the township (internal/demo/commitments.go).
	if _, err := demo.LoadCommitments(ctx, st, time.Now()); err != nil {
		fmt.Fprintln(stderr, "pingyi seed-demo: 载入演示承诺:", err)
		return 1
	}
	fmt.Fprintf(stdout, "已载入演示乡镇「%s」;演示账号密码 %s\n", demo.Township, demo.Password)
	return 0
}
