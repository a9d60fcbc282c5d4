// The CloudTrail record parser (see ct_json.h): the one C++ file, because
// simdjson On Demand is what makes the reader fast enough to keep up with
// an organisation trail on one core.
#include <simdjson.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>
#include "detect/ct_json.h"

using namespace simdjson;
using std::string_view;

namespace
{

struct ctx {
	ondemand::parser outer;
	ondemand::parser inner;    // strings holding events
	std::vector<char> scratch; // padded copy of such a string
	ct_event_cb *cb;
	ct_error_cb *errcb;
	void *arg;
	ct_counts *counts;
	uint64_t index;
	uint64_t offset; // byte offset of the JSON line being read, or 0
};

// Whether k is the literal lit: a compare of known length, which the
// compiler turns into a few word compares (a loop over a table of names
// called memcmp for each).
template <size_t N>
inline bool
is(string_view k, const char (&lit)[N])
{
	return k.size() == N - 1 && std::memcmp(k.data(), lit, N - 1) == 0;
}

// The first '"' or '\\' at or after p, 16 bytes at a time with SSE2 (in
// every x86-64), else 8 at a time: the input's padding makes the reads
// past a string's end safe. In the 8-byte form the bit trick finds the
// first zero byte of x ^ pattern exactly.
const char *
name_end(const char *p)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	for (;; p += 16) {
		__m128i w =
		    _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
		unsigned m =
		    static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
		        _mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, bslash))));
		if (m != 0)
			return p + __builtin_ctz(m);
	}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	for (;; p += 8) {
		uint64_t w, q, b, m;
		std::memcpy(&w, p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		m = ((q - ones) & ~q & high) | ((b - ones) & ~b & high);
		if (m != 0)
			return p + (__builtin_ctzll(m) >> 3);
	}
#else
	while (*p != '"' && *p != '\\')
		p++;
	return p;
#endif
}

// A member in its result, and its name; nullptr on a parse error. Names
// without escapes (all of CloudTrail's) are read in place: unescaped_key()
// copied each into the parser's string buffer. Any other is unescaped as
// before. The field is used where it lies: copying it out of its result
// (by an accessor per use, or a move) went through the stack, with a
// store-forwarding stall per member in the profile.
inline ondemand::field *
member(simdjson_result<ondemand::field> &res, string_view &k)
{
	if (res.error() != SUCCESS)
		return nullptr;
	auto &f = const_cast<ondemand::field &>(res.value_unsafe());
	const char *p = f.key().raw(), *e = name_end(p);
	if (*e == '"') {
		k = string_view(p, static_cast<size_t>(e - p));
		return &f;
	}
	return f.unescaped_key().get(k) == SUCCESS ? &f : nullptr;
}

// What a top-level member is to the detector: a slot, or one of these.
const int K_OTHER = -1, K_IDENTITY = -2, K_PARAMS = -3, K_STAMP = -4;

int
top_key(string_view k)
{
	switch (k.size()) {
	case 7:
		return is(k, "eventID") ? CT_EVENTID : K_OTHER;
	case 9:
		if (is(k, "eventTime"))
			return CT_TIME;
		if (is(k, "eventName"))
			return CT_NAME;
		if (is(k, "userAgent"))
			return CT_UA;
		if (is(k, "awsRegion"))
			return CT_REGION;
		return is(k, "errorCode") ? CT_ERRCODE : K_OTHER;
	case 10:
		return is(k, "@timestamp") ? K_STAMP : K_OTHER;
	case 11:
		return is(k, "eventSource") ? CT_SOURCE : K_OTHER;
	case 12:
		return is(k, "userIdentity") ? K_IDENTITY : K_OTHER;
	case 13:
		return is(k, "vpcEndpointId") ? CT_VPCE : K_OTHER;
	case 15:
		return is(k, "sourceIPAddress") ? CT_SRCIP : K_OTHER;
	case 16:
		return is(k, "responseElements") ? K_PARAMS : K_OTHER;
	case 17:
		return is(k, "requestParameters") ? K_PARAMS : K_OTHER;
	case 18:
		return is(k, "recipientAccountId") ? CT_RECIPIENT : K_OTHER;
	case 20:
		return is(k, "vpcEndpointAccountId") ? CT_VPCE_ACCT : K_OTHER;
	}
	return K_OTHER;
}

// The same for userIdentity's members; sessionContext is K_IDENTITY.
int
ui_key(string_view k)
{
	switch (k.size()) {
	case 3:
		return is(k, "arn") ? CT_UI_ARN : K_OTHER;
	case 4:
		return is(k, "type") ? CT_UI_TYPE : K_OTHER;
	case 9:
		if (is(k, "accountId"))
			return CT_UI_ACCOUNT;
		return is(k, "invokedBy") ? CT_UI_INVOKEDBY : K_OTHER;
	case 11:
		if (is(k, "accessKeyId"))
			return CT_UI_KEY;
		return is(k, "principalId") ? CT_UI_PRINCIPAL : K_OTHER;
	case 14:
		return is(k, "sessionContext") ? K_IDENTITY : K_OTHER;
	}
	return K_OTHER;
}

// A string value into a slot; other types leave the slot empty. A string
// without escapes is taken in place, like names, and left unconsumed (the
// object's iteration steps over it): get_string() copied every value into
// the parser's string buffer.
void
take(ondemand::value &v, ct_str &out)
{
	const char *q = v.raw_json_token().data(), *e;
	string_view s;
	if (*q != '"')
		return;
	e = name_end(q + 1);
	if (*e == '"') {
		out.p = q + 1;
		out.n = static_cast<size_t>(e - q - 1);
	} else if (v.get_string().get(s) == SUCCESS) {
		out.p = s.data();
		out.n = s.size();
	}
}

void
push(ondemand::value &v, ct_str *arr, int &n, int max)
{
	if (n < max) {
		arr[n] = ct_str{nullptr, 0};
		take(v, arr[n]);
		if (arr[n].p != nullptr)
			n++;
	}
}

bool
is_ip_key(string_view k)
{
	return k == "privateIpAddress" || k == "publicIp" || k == "ipAddress" ||
	       k == "privateIp" || k == "ipv6Address" || k == "carrierIp" ||
	       k == "customerOwnedIp";
}

void walk_params(ondemand::value &v, ct_event &ev, int depth);

// Lists of addresses, however EC2's XML was rendered: a string, an
// array, {"item": ...} or {"items": [...]}.
bool
is_ip_list_key(string_view k)
{
	return k == "assignedIpv6Addresses" || k == "ipv6Addresses" ||
	       k == "Ipv6Addresses" || k == "assignedIpv6AddressSet";
}

void
walk_ip_strings(ondemand::value &v, ct_event &ev, int depth)
{
	ondemand::json_type t;
	if (depth > 4 || v.type().get(t) != SUCCESS)
		return;
	if (t == ondemand::json_type::string) {
		push(v, ev.ips, ev.nips, CT_MAXIPS);
	} else if (t == ondemand::json_type::array) {
		ondemand::array a;
		if (v.get_array().get(a) != SUCCESS)
			return;
		for (auto el : a) {
			ondemand::value x;
			if (el.get(x) != SUCCESS)
				return;
			walk_ip_strings(x, ev, depth + 1);
		}
	} else if (t == ondemand::json_type::object) {
		ondemand::object o;
		if (v.get_object().get(o) != SUCCESS)
			return;
		for (auto field : o) {
			ondemand::value x;
			if (field.value().get(x) != SUCCESS)
				return;
			walk_ip_strings(x, ev, depth + 1);
		}
	}
}

// Named string members of an object value into slots (at most 2).
void
take_members(ondemand::value &v, const char *k1, ct_str &s1, const char *k2,
             ct_str &s2)
{
	ondemand::object o;
	if (v.get_object().get(o) != SUCCESS)
		return;
	for (auto res : o) {
		ondemand::field *field;
		string_view k;
		if ((field = member(res, k)) == nullptr)
			return;
		ondemand::value &fv = field->value();
		if (k == k1)
			take(fv, s1);
		else if (k2 != nullptr && k == k2)
			take(fv, s2);
	}
}

// Session tags [{key, value}]: EKS Pod Identity names the pod in one.
void
walk_tags(ondemand::value &v, ct_event &ev)
{
	ondemand::array a;
	if (v.get_array().get(a) != SUCCESS)
		return;
	for (auto el : a) {
		ondemand::value t;
		ct_str key{nullptr, 0}, val{nullptr, 0};
		if (el.get(t) != SUCCESS)
			return;
		take_members(t, "key", key, "value", val);
		if (key.p != nullptr &&
		    string_view(key.p, key.n) == "kubernetes-pod-name")
			ev.f[CT_POD] = val;
	}
}

// Members that name the session a service handed out (STS, EKS Auth).
bool
walk_session_keys(string_view k, ondemand::value &v, ct_event &ev)
{
	ct_str none{nullptr, 0};
	if (k == "assumedRoleUser")
		take_members(v, "arn", ev.f[CT_ASSUMED_ARN], nullptr, none);
	else if (k == "clusterName")
		take(v, ev.f[CT_CLUSTER]);
	else if (k == "subject")
		take_members(v, "namespace", ev.f[CT_NAMESPACE],
		             "serviceAccount", ev.f[CT_SVCACCOUNT]);
	else if (k == "tags")
		walk_tags(v, ev);
	else
		return false;
	return true;
}

// Parameters of EC2 calls carry instance ids and addresses at any depth.
void
walk_object(ondemand::object o, ct_event &ev, int depth)
{
	for (auto res : o) {
		ondemand::field *field;
		string_view k;
		if ((field = member(res, k)) == nullptr)
			return;
		ondemand::value &v = field->value();
		if (k == "instanceId")
			push(v, ev.instances, ev.ninstances, CT_MAXIDS);
		else if (k == "networkInterfaceId" || k == "NetworkInterfaceId")
			push(v, ev.enis, ev.nenis, CT_MAXIDS);
		else if (is_ip_key(k))
			push(v, ev.ips, ev.nips, CT_MAXIPS);
		else if (is_ip_list_key(k))
			walk_ip_strings(v, ev, 0);
		else if (k == "roleSessionName")
			take(v, ev.f[CT_SESSNAME]);
		else if (k == "roleArn")
			take(v, ev.f[CT_ROLEARN]);
		else if (k == "accessKeyId")
			take(v, ev.f[CT_RESP_KEY]);
		else if (k == "vpcId")
			take(v, ev.f[CT_VPCID]);
		else if (k == "vpcEndpointId")
			take(v, ev.f[CT_EP_ID]);
		else if (k == "serviceName")
			take(v, ev.f[CT_EP_SVC]);
		else if (!walk_session_keys(k, v, ev))
			walk_params(v, ev, depth + 1);
	}
}

void
walk_params(ondemand::value &v, ct_event &ev, int depth)
{
	ondemand::json_type t;
	if (depth > 16 || v.type().get(t) != SUCCESS)
		return;
	if (t == ondemand::json_type::object) {
		ondemand::object o;
		if (v.get_object().get(o) == SUCCESS)
			walk_object(o, ev, depth);
	} else if (t == ondemand::json_type::array) {
		ondemand::array a;
		if (v.get_array().get(a) != SUCCESS)
			return;
		for (auto el : a) {
			ondemand::value ev2;
			if (el.get(ev2) != SUCCESS)
				return;
			walk_params(ev2, ev, depth + 1);
		}
	}
}

// sessionContext: how the credentials were delivered, and the role.
void
walk_session(ondemand::object o, ct_event &ev)
{
	for (auto res : o) {
		ondemand::field *field;
		string_view k;
		if ((field = member(res, k)) == nullptr)
			return;
		ondemand::value &v = field->value();
		if (k == "ec2RoleDelivery")
			take(v, ev.f[CT_DELIVERY]);
		else if (k == "sessionIssuer") {
			ondemand::object si;
			if (v.get_object().get(si) != SUCCESS)
				continue;
			ondemand::value a;
			if (si.find_field_unordered("arn").get(a) == SUCCESS)
				take(a, ev.f[CT_ISSUER_ARN]);
		}
	}
}

void
walk_identity(ondemand::object o, ct_event &ev)
{
	for (auto res : o) {
		ondemand::field *field;
		string_view k;
		if ((field = member(res, k)) == nullptr)
			return;
		ondemand::value &v = field->value();
		int slot = ui_key(k);
		if (slot == K_IDENTITY) {
			ondemand::object sc;
			if (v.get_object().get(sc) == SUCCESS)
				walk_session(sc, ev);
		} else if (slot >= 0)
			take(v, ev.f[slot]);
	}
}

// One member of an event object. Returns false when k is not an event key.
// eventTime wins over @timestamp, whichever comes first.
bool
event_field(string_view k, ondemand::value &v, ct_event &ev)
{
	int slot = top_key(k);
	if (slot >= 0) {
		take(v, ev.f[slot]);
		return true;
	}
	switch (slot) {
	case K_STAMP:
		if (ev.f[CT_TIME].p == nullptr)
			take(v, ev.f[CT_TIME]);
		return true;
	case K_IDENTITY: {
		ondemand::object o;
		if (v.get_object().get(o) == SUCCESS)
			walk_identity(o, ev);
		return true;
	}
	case K_PARAMS:
		walk_params(v, ev, 0);
		return true;
	}
	return false;
}

void
emit(ctx &c, ct_event &ev)
{
	ev.index = c.index++;
	c.counts->records++;
	c.cb(&ev, c.arg);
}

void
bad(ctx &c, const char *what, uint64_t offset)
{
	c.counts->malformed++;
	c.errcb(what, c.index++, offset, c.arg);
}

const char not_record[] = "not a CloudTrail record (no eventID, eventTime, "
                          "eventName or eventSource)";

// A CloudTrail record names at least one of these; an object without
// them (lower-case keys, another log's lines) is reported, not dropped.
bool
is_record(const ct_event &ev)
{
	return ev.f[CT_EVENTID].p != nullptr || ev.f[CT_TIME].p != nullptr ||
	       ev.f[CT_NAME].p != nullptr || ev.f[CT_SOURCE].p != nullptr;
}

// Hand a parsed object on, or report it.
void
emit_or_bad(ctx &c, ct_event &ev, uint64_t offset)
{
	if (is_record(ev))
		emit(c, ev);
	else
		bad(c, not_record, offset);
}

// An event given as an object value (Records[], detail, an array member).
void
event_object(ctx &c, ondemand::value &v)
{
	ondemand::object o;
	if (v.get_object().get(o) != SUCCESS) {
		bad(c, "record is not an object", 0);
		return;
	}
	ct_event ev;
	std::memset(&ev, 0, sizeof ev);
	for (auto res : o) {
		ondemand::field *field;
		string_view k;
		if ((field = member(res, k)) == nullptr) {
			bad(c, "malformed record", 0);
			return;
		}
		event_field(k, field->value(), ev);
	}
	emit_or_bad(c, ev, 0);
}

int parse_doc(ctx &c, ondemand::parser &p, const char *buf, size_t len,
              size_t cap, int depth);

// A JSON string holding an event (CloudWatch Logs message, lookup-events
// CloudTrailEvent): copy it with padding and parse it on its own.
void
event_string(ctx &c, ondemand::value &v, int depth)
{
	string_view s;
	if (v.get_string().get(s) != SUCCESS || depth > 0) {
		bad(c, "embedded event is not a string", 0);
		return;
	}
	c.scratch.resize(s.size() + CT_PADDING);
	std::memcpy(c.scratch.data(), s.data(), s.size());
	std::memset(c.scratch.data() + s.size(), 0, CT_PADDING);
	// Strings from the outer parser stay valid: only inner is reused.
	ondemand::parser &p = c.inner;
	if (parse_doc(c, p, c.scratch.data(), s.size(), c.scratch.size(),
	              depth + 1) != 0)
		bad(c, "embedded event is not valid JSON", 0);
}

// Records[] of events, or logEvents[]/Events[] of wrappers with a string.
void
each_member(ctx &c, ondemand::value &v, const char *inner, int depth)
{
	ondemand::array a;
	if (v.get_array().get(a) != SUCCESS) {
		bad(c, "container member is not an array", 0);
		return;
	}
	for (auto el : a) {
		ondemand::value ev;
		if (el.get(ev) != SUCCESS) {
			bad(c, "malformed array member", 0);
			return;
		}
		if (inner == nullptr) {
			event_object(c, ev);
			continue;
		}
		ondemand::object o;
		ondemand::value s;
		if (ev.get_object().get(o) != SUCCESS ||
		    o.find_field_unordered(inner).get(s) != SUCCESS)
			bad(c, "wrapper without its event", 0);
		else
			event_string(c, s, depth);
	}
}

// A top-level object: a container of events or an event itself.
int
object_doc(ctx &c, ondemand::object o, int depth)
{
	ct_event ev;
	bool container = false;
	std::memset(&ev, 0, sizeof ev);
	for (auto res : o) {
		ondemand::field *field;
		string_view k;
		if ((field = member(res, k)) == nullptr)
			return -1;
		ondemand::value &v = field->value();
		if (k == "Records") {
			container = true;
			each_member(c, v, nullptr, depth);
		} else if (k == "logEvents") {
			container = true;
			each_member(c, v, "message", depth);
		} else if (k == "Events") {
			container = true;
			each_member(c, v, "CloudTrailEvent", depth);
		} else if (k == "detail") {
			container = true;
			event_object(c, v);
		} else if (k == "digestPublicKeyFingerprint" ||
		           k == "digestS3Object") {
			c.counts->digest = 1;
			return 0;
		} else
			event_field(k, v, ev);
	}
	if (!container)
		emit_or_bad(c, ev, c.offset);
	return 0;
}

int
parse_doc(ctx &c, ondemand::parser &p, const char *buf, size_t len, size_t cap,
          int depth)
{
	ondemand::document doc;
	ondemand::json_type t;
	padded_string_view view(buf, len, cap);
	if (p.iterate(view).get(doc) != SUCCESS || doc.type().get(t) != SUCCESS)
		return -1;
	if (t == ondemand::json_type::array) {
		ondemand::array a;
		if (doc.get_array().get(a) != SUCCESS)
			return -1;
		for (auto el : a) {
			ondemand::value v;
			if (el.get(v) != SUCCESS)
				return -1;
			event_object(c, v);
		}
		return 0;
	}
	ondemand::object o;
	if (doc.get_object().get(o) != SUCCESS)
		return -1;
	return object_doc(c, o, depth);
}

// JSON lines when the first non-blank line is a whole value by itself;
// *first is where that line ends (len without a newline), for parse_lines
// not to look for it again: an S3 object is one line of a megabyte or more.
bool
looks_like_lines(const char *buf, size_t len, size_t *first)
{
	size_t i = 0, e;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
	                   buf[i] == '\n'))
		i++;
	if (i == len || (buf[i] != '{' && buf[i] != '['))
		return false;
	const char *nl =
	    static_cast<const char *>(std::memchr(buf + i, '\n', len - i));
	e = nl != nullptr ? static_cast<size_t>(nl - buf) : len;
	if (i == 0) // else blank lines come first: parse_lines sees them
		*first = e;
	while (e > i &&
	       (buf[e - 1] == ' ' || buf[e - 1] == '\r' || buf[e - 1] == '\t'))
		e--;
	return e - i > 1 && (buf[e - 1] == '}' || buf[e - 1] == ']');
}

// Each line a document. known: where the first line ends, if already
// found (len: it has no newline; SIZE_MAX: not looked for).
int
parse_lines(ctx &c, const char *buf, size_t len, size_t known)
{
	size_t off = 0;
	while (off < len) {
		const char *nl;
		if (off == 0 && known != SIZE_MAX)
			nl = known < len ? buf + known : nullptr;
		else
			nl = static_cast<const char *>(
			    std::memchr(buf + off, '\n', len - off));
		size_t end =
		    nl != nullptr ? static_cast<size_t>(nl - buf) : len;
		size_t s = off;
		while (s < end &&
		       (buf[s] == ' ' || buf[s] == '\t' || buf[s] == '\r'))
			s++;
		if (s < end) {
			uint64_t before =
			    c.counts->records + c.counts->malformed;
			c.offset = s;
			if (parse_doc(c, c.outer, buf + s, end - s,
			              len + CT_PADDING - s, 0) != 0 &&
			    c.counts->records + c.counts->malformed == before)
				bad(c, "malformed JSON line", s);
			c.offset = 0;
		}
		off = end + 1;
	}
	return 0;
}

// Nothing but white space: an empty trail, not an error.
bool
is_blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' &&
		    buf[i] != '\n')
			return false;
	return true;
}

} // namespace

static int
ct_parse_as(const char *buf, size_t len, ct_event_cb *cb, ct_error_cb *errcb,
            void *arg, struct ct_counts *counts, bool lines)
{
	static thread_local ctx *c;
	if (c == nullptr)
		c = new ctx();
	c->cb = cb;
	c->errcb = errcb;
	c->arg = arg;
	c->counts = counts;
	c->index = 0;
	c->offset = 0;
	if (is_blank(buf, len))
		return 0;
	try {
		size_t first = SIZE_MAX;
		if (lines || looks_like_lines(buf, len, &first))
			return parse_lines(*c, buf, len, first);
		return parse_doc(*c, c->outer, buf, len, len + CT_PADDING, 0);
	} catch (...) {
		return -1;
	}
}

extern "C" int
ct_parse(const char *buf, size_t len, ct_event_cb *cb, ct_error_cb *errcb,
         void *arg, struct ct_counts *counts)
{
	return ct_parse_as(buf, len, cb, errcb, arg, counts, false);
}

extern "C" int
ct_parse_lines(const char *buf, size_t len, ct_event_cb *cb, ct_error_cb *errcb,
               void *arg, struct ct_counts *counts)
{
	return ct_parse_as(buf, len, cb, errcb, arg, counts, true);
}

extern "C" int
ct_is_lines(const char *buf, size_t len)
{
	size_t first;
	return looks_like_lines(buf, len, &first) ? 1 : 0;
}
