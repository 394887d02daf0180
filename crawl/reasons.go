package crawl

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"regexp"
	"syscall"
)

// networkReason names the kind of a network error, without the
// addresses and ports that make each one unique ("read tcp
// 127.0.0.1:51234->…: connection reset by peer"), so the report groups
// failures by what went wrong. The log keeps the full error.
func networkReason(err error) string {
	var dns *net.DNSError
	var cert x509.UnknownAuthorityError
	var host x509.HostnameError
	var inv x509.CertificateInvalidError
	var rec tls.RecordHeaderError
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		return "network error: connection reset by peer"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "network error: connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "network error: host unreachable"
	case errors.Is(err, syscall.EPIPE):
		return "network error: broken pipe"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "network error: the connection closed before a response"
	case errors.As(err, &dns) && dns.IsNotFound:
		return "network error: no such host"
	case errors.As(err, &dns):
		return "network error: DNS lookup failed"
	case errors.As(err, &cert), errors.As(err, &host), errors.As(err, &inv):
		return "network error: TLS certificate not trusted"
	case errors.As(err, &rec):
		return "network error: TLS handshake failed"
	}
	// Something else: its own words, without the URL or any address.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) {
		err = op.Err
	}
	return "network error: " + addrRe.ReplaceAllString(err.Error(), "…")
}

var addrRe = regexp.MustCompile(`\[?[0-9a-fA-F:.]*[0-9a-fA-F]\]?:\d{1,5}\b`)
