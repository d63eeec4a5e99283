// A scenario's report: which expectations the client met, from the server's notes.
#include <algorithm>
#include <sstream>

#include "sio/testing/scenario.hpp"

namespace sio::testing {
namespace {

std::string describe(const Expectation& x) {
  std::ostringstream os;
  os << "client must emit \"" << x.event << "\"";
  if (x.args) os << " with " << dump_json(*x.args);
  if (x.times > 1) os << " " << x.times << " times";
  os << " on " << x.nsp << " within " << x.within.count() << " ms of connecting";
  return os.str();
}

}  // namespace

ScenarioReport evaluate_scenario(const Scenario& scenario, const std::vector<Note>& notes) {
  ScenarioReport report;
  report.scenario = scenario.name;
  for (const auto& x : scenario.expectations) {
    ExpectationResult r;
    r.name = x.name;
    auto first = std::find_if(notes.begin(), notes.end(), [&](const Note& n) {
      return n.name == "connection" && n.data.value("nsp", "") == x.nsp;
    });
    if (first == notes.end()) {
      r.detail = describe(x) + "; no client connected to " + x.nsp;
      report.results.push_back(std::move(r));
      continue;
    }
    const auto deadline = first->at + x.within;
    std::size_t matching = 0;
    std::vector<std::string> seen;  // what the client emitted on the namespace instead
    for (const auto& n : notes) {
      if (n.name != "event" || n.data.value("nsp", "") != x.nsp) continue;
      const std::string event = n.data.value("event", "");
      const json& args = n.data.contains("args") ? n.data.at("args") : json::array();
      if (event == x.event && (!x.args || args == *x.args) && n.at <= deadline) {
        ++matching;
      } else if (seen.size() < 5) {
        seen.push_back("\"" + event + "\" " + dump_json(args));
      }
    }
    r.met = matching >= x.times;
    r.detail = describe(x);
    if (!r.met) {
      r.detail += "; got " + std::to_string(matching) + " matching";
      if (!seen.empty()) {
        r.detail += ", other emits:";
        for (const auto& s : seen) r.detail += " " + s;
      }
    }
    report.results.push_back(std::move(r));
  }
  return report;
}

bool ScenarioReport::passed() const {
  return std::all_of(results.begin(), results.end(), [](const ExpectationResult& r) { return r.met; });
}

std::string ScenarioReport::text() const {
  std::ostringstream os;
  std::size_t met = 0;
  for (const auto& r : results) {
    met += r.met;
    os << (r.met ? "MET " : "UNMET ") << r.name << ": " << r.detail << "\n";
  }
  os << "scenario " << (scenario.empty() ? std::string("(unnamed)") : scenario) << ": " << met << "/"
     << results.size() << " expectations met, " << (passed() ? "PASSED" : "FAILED") << "\n";
  return os.str();
}

json ScenarioReport::to_json() const {
  json list = json::array();
  for (const auto& r : results) list.push_back(json{{"name", r.name}, {"met", r.met}, {"detail", r.detail}});
  return json{{"scenario", scenario}, {"passed", passed()}, {"expectations", std::move(list)}};
}

}  // namespace sio::testing
