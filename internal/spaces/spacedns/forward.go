package spacedns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// errBusy is the forward error when MaxForwards queries are already in flight.
var errBusy = errors.New("too many forwarded queries in flight")

// forwarder relays queries for outside names to the upstreams, in order, over UDP with a
// TCP retry when the answer is truncated.
type forwarder struct {
	ctx       context.Context // cancelled by Server.Close
	upstreams []string
	slots     chan struct{} // one per forwarded query in flight
	timeout   time.Duration
	udp, tcp  *dns.Client
}

func newForwarder(ctx context.Context, upstreams []string, maxForwards int, timeout time.Duration) *forwarder {
	if maxForwards <= 0 {
		maxForwards = DefaultMaxForwards
	}
	if timeout <= 0 {
		timeout = DefaultForwardTimeout
	}
	return &forwarder{
		ctx:       ctx,
		upstreams: upstreams,
		slots:     make(chan struct{}, maxForwards),
		timeout:   timeout,
		udp:       &dns.Client{Net: "udp", UDPSize: udpSize, Timeout: timeout},
		tcp:       &dns.Client{Net: "tcp", Timeout: timeout},
	}
}

// forward answers r's question q through the upstreams: their answer, or SERVFAIL when none
// answers in time or too many queries are in flight.
func (s *Server) forward(r *dns.Msg, q dns.Question) *dns.Msg {
	m := new(dns.Msg).SetReply(r)
	m.RecursionAvailable = true
	up, err := s.forwarder.exchange(q, r.CheckingDisabled, wantDNSSEC(r))
	if err != nil {
		s.logger.Debug("dns forward", "name", q.Name, "err", err)
		m.Rcode = dns.RcodeServerFailure
		return m
	}
	m.Rcode = up.Rcode
	m.Answer, m.Ns = up.Answer, up.Ns
	m.AuthenticatedData = up.AuthenticatedData
	for _, rr := range up.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			m.Extra = append(m.Extra, rr)
		}
	}
	return m
}

func wantDNSSEC(r *dns.Msg) bool {
	opt := r.IsEdns0()
	return opt != nil && opt.Do()
}

// exchange asks each upstream in turn for q, with a fresh ID, until one answers.
func (f *forwarder) exchange(q dns.Question, cd, do bool) (*dns.Msg, error) {
	select {
	case f.slots <- struct{}{}:
		defer func() { <-f.slots }()
	default:
		return nil, errBusy
	}
	ctx, cancel := context.WithTimeout(f.ctx, f.timeout)
	defer cancel()
	m := new(dns.Msg).SetQuestion(q.Name, q.Qtype)
	m.CheckingDisabled = cd
	m.SetEdns0(udpSize, do)
	var errs []error
	for _, u := range f.upstreams {
		r, err := f.exchangeOne(ctx, m, u)
		if err == nil {
			return r, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// exchangeOne asks one upstream over UDP, then over TCP if the answer was truncated, and
// checks that the answer is to the question asked.
func (f *forwarder) exchangeOne(ctx context.Context, m *dns.Msg, upstream string) (*dns.Msg, error) {
	r, _, err := f.udp.ExchangeContext(ctx, m, upstream)
	if err == nil && r.Truncated {
		r, _, err = f.tcp.ExchangeContext(ctx, m, upstream)
	}
	if err != nil {
		return nil, err
	}
	if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, m.Question[0].Name) ||
		r.Question[0].Qtype != m.Question[0].Qtype {
		return nil, errors.New("answer to another question")
	}
	return r, nil
}

// upstreamAddrs returns forward as "ip:port" addresses, or the nameservers of resolvConf
// when forward is empty.
func upstreamAddrs(forward []string, resolvConf string) ([]string, error) {
	if len(forward) == 0 {
		cc, err := dns.ClientConfigFromFile(resolvConf)
		if err != nil {
			return nil, fmt.Errorf("spacedns: upstream resolvers: %w", err)
		}
		for _, ns := range cc.Servers {
			forward = append(forward, net.JoinHostPort(ns, cc.Port))
		}
		if len(forward) == 0 {
			return nil, fmt.Errorf("spacedns: no nameserver in %s", resolvConf)
		}
	}
	out := make([]string, 0, len(forward))
	for _, f := range forward {
		host, port, err := net.SplitHostPort(f)
		if err != nil {
			host, port = f, "53"
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return nil, fmt.Errorf("spacedns: upstream resolver %q: not an ip or ip:port", f)
		}
		out = append(out, net.JoinHostPort(ip.String(), port))
	}
	return out, nil
}
