package spacedns

import (
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// TTL is the TTL of every local answer and of negative answers (the SOA's minimum), in
// seconds. Zero: a dyno's lookup always reaches the resolver, one hop away on the space's
// bridge, so a scaled process shows in the very next lookup instead of after a cache expires.
const TTL = 0

// udpSize is the largest UDP reply the resolver sends, whatever a client advertises (the
// DNS flag day 2020 figure, below any path MTU), and the size it advertises upstream.
const udpSize = 1232

// soa is the zone's SOA, given in negative answers so that caches know not to keep them.
var soa = &dns.SOA{
	Hdr:     dns.RR_Header{Name: Zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: TTL},
	Ns:      "ns." + Zone,
	Mbox:    "hostmaster." + Zone,
	Serial:  1,
	Refresh: 3600,
	Retry:   600,
	Expire:  86400,
	Minttl:  TTL,
}

// ServeDNS answers one query: names under localspace from the table, others through the
// upstreams. It writes at most one reply, never larger than the client can take over UDP
// (truncated, so that the client retries over TCP). Responses are ignored; other opcodes,
// ANY, zone transfers and classes other than IN are turned down with a header-only reply.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if r.Response {
		return
	}
	m := s.answer(r)
	if m == nil {
		return
	}
	s.write(w, r, m)
}

// answer returns the reply to r, nil to send none.
func (s *Server) answer(r *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	if r.Opcode != dns.OpcodeQuery {
		return m.SetRcode(r, dns.RcodeNotImplemented)
	}
	if len(r.Question) != 1 {
		return m.SetRcodeFormatError(r)
	}
	q := r.Question[0]
	switch {
	case q.Qtype == dns.TypeANY:
		// RFC 8482 lets a server refuse ANY; answering it is what amplifiers are made of.
		return m.SetRcode(r, dns.RcodeNotImplemented)
	case q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR || q.Qclass != dns.ClassINET:
		return m.SetRcode(r, dns.RcodeRefused)
	}
	name := strings.ToLower(dns.Fqdn(q.Name))
	if dns.IsSubDomain(Zone, name) {
		return s.local(r, q, name)
	}
	return s.forward(r, q)
}

// local answers a name under localspace with authority, from the current table.
func (s *Server) local(r *dns.Msg, q dns.Question, name string) *dns.Msg {
	m := new(dns.Msg).SetReply(r)
	m.Authoritative = true
	m.RecursionAvailable = true
	e := s.table.Load().lookup(name)
	if e == nil {
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{soa}
		return m
	}
	switch {
	case q.Qtype == dns.TypeA && len(e.v4) > 0:
		m.Answer = s.records(q, e.v4, func(h dns.RR_Header, ip net.IP) dns.RR { return &dns.A{Hdr: h, A: ip} })
	case q.Qtype == dns.TypeAAAA && len(e.v6) > 0:
		m.Answer = s.records(q, e.v6, func(h dns.RR_Header, ip net.IP) dns.RR { return &dns.AAAA{Hdr: h, AAAA: ip} })
	case q.Qtype == dns.TypeSOA && name == Zone:
		m.Answer = []dns.RR{soa}
	default:
		// The name exists without data of this type: NODATA, as for AAAA of a dyno.
		m.Ns = []dns.RR{soa}
	}
	return m
}

// records builds the answer for addrs, starting at a different address on each query so
// that clients taking the first address spread over a process's dynos. The owner name is the
// question's as sent, keeping its case for clients that randomise it.
func (s *Server) records(q dns.Question, addrs []netip.Addr, rr func(dns.RR_Header, net.IP) dns.RR) []dns.RR {
	out := make([]dns.RR, len(addrs))
	start := int(s.rotate.Add(1) % uint32(len(addrs)))
	for i := range addrs {
		a := addrs[(start+i)%len(addrs)]
		h := dns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: dns.ClassINET, Ttl: TTL}
		out[i] = rr(h, a.AsSlice())
	}
	return out
}

// write sends m, with an OPT record if the query had one, cut down to what the transport
// allows: 512 bytes over UDP without EDNS, the client's EDNS size up to udpSize with it.
func (s *Server) write(w dns.ResponseWriter, r, m *dns.Msg) {
	size := dns.MaxMsgSize
	if _, tcp := w.LocalAddr().(*net.TCPAddr); !tcp {
		size = dns.MinMsgSize
	}
	if opt := r.IsEdns0(); opt != nil {
		m.SetEdns0(udpSize, opt.Do())
		if size != dns.MaxMsgSize {
			size = min(max(int(opt.UDPSize()), dns.MinMsgSize), udpSize)
		}
	}
	m.Truncate(size)
	if err := w.WriteMsg(m); err != nil {
		s.logger.Debug("dns write", "err", err)
	}
}
