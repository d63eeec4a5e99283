#include "jobmanager_api.hpp"

#include <map>
#include <regex>

#include "../common/app.hpp"

namespace sio::apps::jobmanager {
namespace {

struct Route {
  std::string event;
  std::string id_field;            // the field naming the job/task ("" for fixed rooms)
  std::vector<std::string> rooms;  // "{}" is replaced by the id
};

const std::map<std::string, Route, std::less<>>& routes() {
  static const std::map<std::string, Route, std::less<>> r = {
      {"job", {"/jobs", "", {"Jobs"}}},
      {"task", {"/task", "job_id", {"job-{}"}}},
      {"last-rendered", {"/last-rendered", "job_id", {"job-{}", "Last-Rendered"}}},
      {"tasklog", {"/tasklog", "task_id", {"tasklog-{}"}}},
      {"worker", {"/workers", "", {"Workers"}}},
      {"workertag", {"/workertags", "", {"WorkerTags"}}},
  };
  return r;
}

UpdateOutcome error(unsigned status, std::string text) {
  UpdateOutcome out;
  out.status = status;
  out.reply = {{"error", std::move(text)}};
  return out;
}

}  // namespace

bool is_uuid(const json& v) {
  static const std::regex re("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  return v.is_string() && v.get_ref<const std::string&>().size() == 36 &&
         std::regex_match(v.get_ref<const std::string&>(), re);
}

std::string subscription_room(const json& req, std::string& error) {
  const std::string type = req.value("type", json()).is_string() ? req["type"].get<std::string>() : "";
  if (type == "allJobs") return "Jobs";
  if (type == "allWorkers") return "Workers";
  if (type == "allLastRendered") return "Last-Rendered";
  if (type == "allWorkerTags") return "WorkerTags";
  if (type == "job" || type == "tasklog") {
    const json uuid = req.value("uuid", json());
    if (!is_uuid(uuid)) {
      error = "invalid UUID " + dump_json(uuid);
      return "";
    }
    return (type == "job" ? "job-" : "tasklog-") + uuid.get<std::string>();
  }
  error = "unknown subscription type " + (req.contains("type") ? dump_json(req["type"]) : std::string("(missing)"));
  return "";
}

UpdateOutcome handle_update(std::string_view kind, const std::string& body_text) {
  const auto it = routes().find(kind);
  if (it == routes().end()) return error(404, "unknown update kind");
  std::string why;
  auto parsed = parse_json_body(body_text, why);
  if (!parsed) return error(400, why);
  const json& body = *parsed;
  const Route& route = it->second;
  UpdateOutcome out;
  for (std::string room : route.rooms) {
    if (const auto brace = room.find("{}"); brace != std::string::npos) {
      const json id = body.value(route.id_field, json());
      if (!is_uuid(id)) return error(400, route.id_field + " must be a UUID");
      room.replace(brace, 2, id.get<std::string>());
    }
    out.rooms.push_back(room);
  }
  out.status = 200;
  out.event = route.event;
  out.reply = {{"event", route.event}, {"rooms", out.rooms}};
  out.payload = std::move(*parsed);
  return out;
}

}  // namespace sio::apps::jobmanager
