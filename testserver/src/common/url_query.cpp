// Paths and query strings of request targets, on Boost.URL (see url_query.hpp).
#include "url_query.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/grammar/hexdig_chars.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

namespace sio::server::detail {

namespace urls = boost::urls;

namespace {

// What may stay unescaped in a path or query (RFC 3986: pchar / "/" / "?"), '%' excluded.
constexpr urls::grammar::lut_chars kTargetChars = urls::pchars + '/' + '?';

bool is_escape(std::string_view s, std::size_t i) {
  return s[i] == '%' && i + 2 < s.size() && urls::grammar::hexdig_chars(s[i + 1]) &&
         urls::grammar::hexdig_chars(s[i + 2]);
}

// `in` as valid percent-encoded text with the same decoded bytes: valid escapes are kept, every
// other byte outside kTargetChars (a stray '%' included) is escaped by Boost.URL's encoder.
std::string make_valid(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!is_escape(in, i)) continue;
    out += urls::encode(in.substr(run, i - run), kTargetChars);
    out.append(in.substr(i, 3));
    run = i + 3;
    i += 2;
  }
  out += urls::encode(in.substr(run), kTargetChars);
  return out;
}

std::string decode(std::string_view valid, bool plus_is_space) {
  urls::encoding_opts opts;
  opts.space_as_plus = plus_is_space;
  return urls::make_pct_string_view(valid).value().decode(opts);
}

}  // namespace

std::string percent_decode(std::string_view in, bool plus_is_space) { return decode(make_valid(in), plus_is_space); }

Query parse_query(std::string_view query) {
  Query out;
  const std::string valid = make_valid(query);
  const auto params = urls::parse_query(valid);
  if (!params) return out;  // cannot happen: make_valid's output is a valid query
  for (const auto& param : *params) {
    if (param.key.empty() && !param.has_value) continue;  // "a&&b", a trailing '&'
    urls::encoding_opts opts;
    opts.space_as_plus = true;
    out.emplace(param.key.decode(opts), param.has_value ? param.value.decode(opts) : std::string{});
  }
  return out;
}

}  // namespace sio::server::detail
