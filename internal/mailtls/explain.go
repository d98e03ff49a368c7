package mailtls

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Explain says in Chinese what a *MismatchError or *CertError in err's
// chain means and which setting to change; ok is false for other errors.
func Explain(err error) (text string, ok bool) {
	var me *MismatchError
	if errors.As(err, &me) {
		return me.explain(), true
	}
	var ce *CertError
	if errors.As(err, &ce) {
		return ce.explain(), true
	}
	return "", false
}

func (e *MismatchError) explain() string {
	s := e.Service
	_, port, _ := net.SplitHostPort(e.Addr)
	env := fmt.Sprintf("若在环境变量中设置，变量名是 %s。", s.EnvKey("tls"))
	if e.Implicit {
		head := fmt.Sprintf("%s 服务器 %s 一连上就要求 TLS 加密，与 %s = \"%s\" 不符：", s.label(), e.Addr, s.Key("tls"), e.Mode)
		if port == s.implicitPort() {
			return head + fmt.Sprintf("%s 应设为 tls（%s 端口是直接 TLS）。", s.Key("tls"), port) + env
		}
		return head + fmt.Sprintf("%s 应设为 tls（这个端口是直接 TLS）；或者把 %s 的端口改为 %s，保留 starttls。",
			s.Key("tls"), s.Key("addr"), s.startTLSPort()) + env
	}
	head := fmt.Sprintf("%s 服务器 %s 先以明文应答，不是直接 TLS，与 %s = \"tls\" 不符：", s.label(), e.Addr, s.Key("tls"))
	if port == s.startTLSPort() || (s == SMTP && port == "25") {
		return head + fmt.Sprintf("%s 应设为 starttls（%s 端口先明文连接，再用 STARTTLS 加密）。", s.Key("tls"), port) + env
	}
	return head + fmt.Sprintf("%s 应设为 starttls（这个端口先明文连接，再用 STARTTLS 加密）；或者把 %s 的端口改为 %s，保留 tls。",
		s.Key("tls"), s.Key("addr"), s.implicitPort()) + env
}

func (e *CertError) explain() string {
	s := e.Service
	var host x509.HostnameError
	if errors.As(e.Err, &host) && host.Certificate != nil {
		names := host.Certificate.DNSNames
		for _, ip := range host.Certificate.IPAddresses {
			names = append(names, ip.String())
		}
		if len(names) == 0 && host.Certificate.Subject.CommonName != "" {
			names = []string{host.Certificate.Subject.CommonName}
		}
		return fmt.Sprintf("%s 服务器 %s 的证书上写的名称是 %s，与 %s 中的主机名 %s 不符：请把 %s 改为证书上的名称（端口不变）。",
			s.label(), e.Addr, strings.Join(names, "、"), s.Key("addr"), host.Host, s.Key("addr"))
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(e.Err, &unknown) || strings.Contains(e.Err.Error(), "certificate signed by unknown authority") {
		return fmt.Sprintf("%s 服务器 %s 的证书不受信任：签发它的证书机构（CA）不在本机信任的机构中，常见于单位内部的 CA 或自签名证书。"+
			"请向管理邮件服务器的同事要来该 CA 的证书（PEM 格式，以 -----BEGIN CERTIFICATE----- 开头），存为文件，"+
			"并把配置项 %s（或环境变量 %s）设为它的路径；已经设置的，请确认文件中正是签发服务器证书的 CA。",
			s.label(), e.Addr, s.Key("ca_file"), s.EnvKey("ca_file"))
	}
	return fmt.Sprintf("%s 服务器 %s 的证书无效（已过期、尚未生效或不能用于这台服务器）：请管理邮件服务器的同事更换证书。技术细节（英文原文）：“%s”",
		s.label(), e.Addr, e.Err.Error())
}
