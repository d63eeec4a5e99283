// curl_http.cpp - the native HttpClient (backend.hpp) for the polling transport: libcurl's multi interface on asio.
//
// curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to call it back
// (CURLMOPT_TIMERFUNCTION); each watched socket gets a posix::stream_descriptor that waits for
// readiness (never reads), and one steady_timer stands for curl's timer. No thread per request.
// Cookies live in a curl share handle, so every request of one client (and the WebSocket handshake,
// through cookie_header) carries the cookies of the previous responses (sticky sessions).
#include <curl/curl.h>
#include <poll.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "asio_backend.hpp"
#include "proxy.hpp"

namespace sio::detail {

namespace asio = boost::asio;

namespace {

// curl_global_init once per process, before the first handle.
void ensure_curl_global() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

class CurlHttpClient final : public HttpClient, public std::enable_shared_from_this<CurlHttpClient> {
 public:
  CurlHttpClient(asio::any_io_executor executor, TlsOptions tls, ProxyOptions proxy)
      : executor_(std::move(executor)), timer_(executor_), tls_(std::move(tls)), proxy_(std::move(proxy)) {
    ensure_curl_global();
    multi_ = curl_multi_init();
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlHttpClient::socket_callback);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlHttpClient::timer_callback);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  }

  ~CurlHttpClient() override { shutdown(); }

  std::uint64_t start(HttpRequest request, Done done) override {
    if (shut_ || finishing_) return 0;
    auto transfer = std::make_unique<Transfer>();
    Transfer* t = transfer.get();
    t->id = ++next_id_;
    t->done = std::move(done);
    t->upload = std::move(request.body);
    CURL* easy = curl_easy_init();
    t->easy = easy;
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    if (std::getenv("SIO_CURL_VERBOSE")) curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);  // debugging aid
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error_buffer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &CurlHttpClient::write_callback);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(easy, CURLOPT_SHARE, share_);
    curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");  // cookie engine on, nothing to load
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    if (request.timeout.count() > 0) curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, tls_.verify_peer ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, tls_.verify_peer ? 2L : 0L);
    if (!tls_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, tls_.ca_file.c_str());
    if (!tls_.client_cert_file.empty()) curl_easy_setopt(easy, CURLOPT_SSLCERT, tls_.client_cert_file.c_str());
    if (!tls_.client_key_file.empty()) curl_easy_setopt(easy, CURLOPT_SSLKEY, tls_.client_key_file.c_str());
    // The proxy is chosen here (ProxyOptions), never by libcurl from the environment on its own:
    // "" means no proxy at all.
    const ProxyChoice proxy = choose_proxy(proxy_, request.url.rfind("https:", 0) == 0);
    curl_easy_setopt(easy, CURLOPT_PROXY, proxy.url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOPROXY, proxy.no_proxy.empty() ? nullptr : proxy.no_proxy.c_str());

    for (const auto& [name, value] : request.headers) {
      const std::string line = value.empty() ? name + ";" : name + ": " + value;
      t->headers = curl_slist_append(t->headers, line.c_str());
    }
    if (request.post) {
      t->headers = curl_slist_append(t->headers, ("Content-Type: " + request.content_type).c_str());
      t->headers = curl_slist_append(t->headers, "Expect:");  // no 100-continue round trip
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->upload.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->upload.data());
    } else {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    }
    if (t->headers) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);

    transfers_.emplace(t->id, std::move(transfer));
    curl_multi_add_handle(multi_, easy);  // curl schedules its first step through the timer
    return t->id;
  }

  void cancel(std::uint64_t id) override {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    release(*t);
    if (finishing_ && transfers_.empty()) shutdown();
  }

  std::string cookie_header(std::string_view host, std::string_view path, bool secure) override {
    if (shut_) return {};
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_SHARE, share_);
    curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");
    curl_slist* list = nullptr;
    curl_easy_getinfo(easy, CURLINFO_COOKIELIST, &list);
    std::string header;
    const auto now = static_cast<long long>(std::time(nullptr));
    for (curl_slist* item = list; item; item = item->next) {
      // Netscape format: domain, tailmatch, path, secure, expires, name, value (tab separated).
      std::vector<std::string> fields;
      std::string_view line(item->data);
      std::size_t start = 0;
      while (true) {
        const std::size_t tab = line.find('\t', start);
        fields.emplace_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
        if (tab == std::string_view::npos) break;
        start = tab + 1;
      }
      if (fields.size() < 7) continue;
      std::string domain = fields[0];
      if (domain.rfind("#HttpOnly_", 0) == 0) domain.erase(0, 10);
      if (!domain.empty() && domain.front() == '.') domain.erase(0, 1);
      const bool tailmatch = fields[1] == "TRUE";
      const bool domain_ok =
          host == domain || (tailmatch && host.size() > domain.size() &&
                             host.substr(host.size() - domain.size()) == domain &&
                             host[host.size() - domain.size() - 1] == '.');
      if (!domain_ok) continue;
      if (path.substr(0, fields[2].size()) != fields[2]) continue;
      if (fields[3] == "TRUE" && !secure) continue;
      const long long expires = std::strtoll(fields[4].c_str(), nullptr, 10);
      if (expires != 0 && expires < now) continue;
      if (!header.empty()) header += "; ";
      header += fields[5] + "=" + fields[6];
    }
    curl_slist_free_all(list);
    curl_easy_cleanup(easy);
    return header;
  }

  void shutdown() override {
    if (shut_) return;
    shut_ = true;
    for (auto& [id, t] : transfers_) release(*t);
    transfers_.clear();
    for (auto& [fd, sock] : sockets_) sock->descriptor.release();
    sockets_.clear();
    timer_.cancel();
    if (multi_) curl_multi_cleanup(multi_);
    multi_ = nullptr;
    if (share_) curl_share_cleanup(share_);
    share_ = nullptr;
  }

  void finish_then_shutdown() override {
    finishing_ = true;
    for (auto& [id, t] : transfers_) t->done = nullptr;
    if (transfers_.empty()) shutdown();
  }

 private:
  struct Transfer {
    std::uint64_t id = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string upload;
    std::string download;
    Done done;
    char error_buffer[CURL_ERROR_SIZE] = {};
  };

  struct Socket {
    explicit Socket(const asio::any_io_executor& ex, curl_socket_t fd) : descriptor(ex, fd) {}
    asio::posix::stream_descriptor descriptor;
    int what = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false;
    bool writing = false;
    bool ready_posted = false;  // an action for readiness seen by poll() is queued
  };

  void release(Transfer& t) {
    if (t.easy) {
      if (multi_) curl_multi_remove_handle(multi_, t.easy);
      curl_easy_cleanup(t.easy);
      t.easy = nullptr;
    }
    if (t.headers) curl_slist_free_all(t.headers);
    t.headers = nullptr;
  }

  static size_t write_callback(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    t->download.append(data, size * count);
    return size * count;
  }

  static int socket_callback(CURL*, curl_socket_t fd, int what, void* user, void*) {
    static_cast<CurlHttpClient*>(user)->on_socket(fd, what);
    return 0;
  }

  static int timer_callback(CURLM*, long timeout_ms, void* user) {
    static_cast<CurlHttpClient*>(user)->on_timer(timeout_ms);
    return 0;
  }

  void on_socket(curl_socket_t fd, int what) {
    auto it = sockets_.find(fd);
    if (what == CURL_POLL_REMOVE) {
      if (it != sockets_.end()) {
        it->second->what = 0;
        it->second->descriptor.release();  // curl owns the fd: never close it here
        sockets_.erase(it);
      }
      return;
    }
    if (shut_) return;
    if (it == sockets_.end()) it = sockets_.emplace(fd, std::make_shared<Socket>(executor_, fd)).first;
    it->second->what = what;
    arm(fd, it->second);
  }

  // asio's epoll reactor is edge-triggered and a wait never completes speculatively: readiness that
  // arrived while no wait was queued (data curl left unread, a response that came while only
  // writability was watched) would never be reported again. So check the current readiness first
  // (level-triggered, as curl expects) and act on it right away; otherwise wait for the next edge.
  void arm(curl_socket_t fd, const std::shared_ptr<Socket>& sock) {
    pollfd p{fd, 0, 0};
    if (sock->what & CURL_POLL_IN) p.events |= POLLIN;
    if (sock->what & CURL_POLL_OUT) p.events |= POLLOUT;
    int events = 0;
    if (p.events != 0 && ::poll(&p, 1, 0) > 0) {
      if ((sock->what & CURL_POLL_IN) && (p.revents & (POLLIN | POLLHUP | POLLERR))) events |= CURL_CSELECT_IN;
      if ((sock->what & CURL_POLL_OUT) && (p.revents & (POLLOUT | POLLHUP | POLLERR))) events |= CURL_CSELECT_OUT;
    }
    if (events == 0) {
      watch(fd, sock);
      return;
    }
    if (sock->ready_posted) return;
    sock->ready_posted = true;
    asio::post(executor_, [self = shared_from_this(), fd, sock, events] {
      sock->ready_posted = false;
      if (self->shut_) return;
      auto it = self->sockets_.find(fd);
      if (it == self->sockets_.end() || it->second != sock) return;
      self->action(fd, events);
      self->rewatch(fd, sock);
    });
  }

  void watch(curl_socket_t fd, const std::shared_ptr<Socket>& sock) {
    if ((sock->what & CURL_POLL_IN) && !sock->reading) {
      sock->reading = true;
      sock->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                  [self = shared_from_this(), fd, sock](boost::system::error_code ec) {
                                    sock->reading = false;
                                    if (ec || self->shut_ || !(sock->what & CURL_POLL_IN)) return;
                                    self->action(fd, CURL_CSELECT_IN);
                                    self->rewatch(fd, sock);
                                  });
    }
    if ((sock->what & CURL_POLL_OUT) && !sock->writing) {
      sock->writing = true;
      sock->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                                  [self = shared_from_this(), fd, sock](boost::system::error_code ec) {
                                    sock->writing = false;
                                    if (ec || self->shut_ || !(sock->what & CURL_POLL_OUT)) return;
                                    self->action(fd, CURL_CSELECT_OUT);
                                    self->rewatch(fd, sock);
                                  });
    }
  }

  // Arms again a socket curl still wants watched (it may have been removed or replaced).
  void rewatch(curl_socket_t fd, const std::shared_ptr<Socket>& sock) {
    if (shut_) return;
    auto it = sockets_.find(fd);
    if (it != sockets_.end() && it->second == sock) arm(fd, sock);
  }

  void on_timer(long timeout_ms) {
    if (shut_) return;
    if (timeout_ms < 0) {
      timer_.cancel();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->shut_) return;
      self->action(CURL_SOCKET_TIMEOUT, 0);
    });
  }

  void action(curl_socket_t fd, int events) {
    int running = 0;
    curl_multi_socket_action(multi_, fd, events, &running);
    collect_done();
  }

  void collect_done() {
    std::vector<std::pair<Done, HttpResult>> finished;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* raw = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
      auto it = raw ? transfers_.find(raw->id) : transfers_.end();
      if (it == transfers_.end()) continue;
      Transfer& t = *it->second;
      HttpResult result;
      if (msg->data.result != CURLE_OK) {
        result.error = curl_easy_strerror(msg->data.result);
        if (t.error_buffer[0] != '\0') result.error += std::string(": ") + t.error_buffer;
      }
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &result.status);
      const char* content_type = nullptr;
      curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &content_type);
      if (content_type) result.content_type = content_type;
      result.body = std::move(t.download);
      Done done = std::move(t.done);
      std::unique_ptr<Transfer> owned = std::move(it->second);
      transfers_.erase(it);
      release(*owned);
      if (done) finished.emplace_back(std::move(done), std::move(result));
    }
    // Callbacks run after curl is left alone: they may start, cancel or shut down.
    auto keep_alive = shared_from_this();
    for (auto& [done, result] : finished) {
      if (shut_ || finishing_) break;
      done(std::move(result));
    }
    if (finishing_ && transfers_.empty()) shutdown();
  }

  asio::any_io_executor executor_;
  asio::steady_timer timer_;
  TlsOptions tls_;
  ProxyOptions proxy_;
  CURLM* multi_ = nullptr;
  CURLSH* share_ = nullptr;
  std::map<std::uint64_t, std::unique_ptr<Transfer>> transfers_;
  std::map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
  std::uint64_t next_id_ = 0;
  bool shut_ = false;
  bool finishing_ = false;
};

}  // namespace

std::shared_ptr<HttpClient> make_http_client(asio::any_io_executor executor, const TlsOptions& tls,
                                             const ProxyOptions& proxy) {
  return std::make_shared<CurlHttpClient>(std::move(executor), tls, proxy);
}

}  // namespace sio::detail
