package cli

import (
	"fmt"
	"io"

	"pingyi/internal/config"
	"pingyi/internal/lan"
)

// printPhoneAccess tells the office, when `make run` starts, whether raters' phones can
// reach the ballot and, if not, the exact command that makes them able to: listen on
// the local network and put a LAN address in the slips' QR codes.
func printPhoneAccess(w io.Writer, cfg config.Config, addrs []lan.Address) {
	port := lan.Port(cfg.Addr)
	fmt.Fprintln(w, "\n评议代表用手机扫码投票:")
	if len(addrs) == 0 {
		fmt.Fprintln(w, "  未找到本机的局域网地址(本机未连接 Wi-Fi 或局域网?)。手机与本机须在同一网络,")
		fmt.Fprintln(w, "  连接后重新运行 make run,这里会列出手机可用的地址。")
		return
	}
	local, unreachable := lan.ListensLocalOnly(cfg.Addr), lan.Unreachable(cfg.BaseURL)
	if !local && !unreachable {
		fmt.Fprintf(w, "  测评码上的二维码指向 %s/v ,与本机同一网络的手机可以打开。\n", cfg.BaseURL)
		return
	}
	fmt.Fprintf(w, "  本机的局域网地址:")
	for i, a := range addrs {
		if i > 0 {
			fmt.Fprint(w, "、")
		}
		fmt.Fprintf(w, "%s(%s)", a.IP, a.Interface)
	}
	fmt.Fprintln(w)
	if local {
		fmt.Fprintf(w, "  现在只在 %s 上服务,其他设备(手机)连不上。\n", cfg.Addr)
	}
	if unreachable {
		fmt.Fprintf(w, "  测评码上的二维码指向 %s,手机扫码后打不开。\n", cfg.BaseURL)
	}
	fmt.Fprintln(w, "  要让同一网络(如会场 Wi-Fi)的手机投票,请按 Ctrl-C 停止后这样启动:")
	fmt.Fprintf(w, "    PINGYI_ADDR=0.0.0.0:%s PINGYI_BASE_URL=http://%s:%s make run\n", port, addrs[0].IP, port)
	fmt.Fprintln(w, "  (正式部署请用 HTTPS 域名设置 PINGYI_BASE_URL,见 README「Production」。)")
}
