// PluginHost::load against real plugin files: one fixture per way a plugin can
// be wrong (tests/fixtures/plugins), all in one directory beside well-formed
// plugins that must still load. A refused plugin is listed as rejected with a
// reason naming what is wrong, and nothing it provides is registered.
#include "plugin_host/plugin_host.hpp"
#include "weftd_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <string>

namespace weft::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const fs::path kFixtureDir = WEFT_PLUGIN_FIXTURE_DIR;

// The file tests/fixtures builds for the fixture `name`.
fs::path fixture(const std::string& name) {
  return kFixtureDir / ("libweft-node-" + name + ".so." + std::to_string(WEFT_ABI_MAJOR));
}

std::string abi(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

const std::string kHostAbi = abi(WEFT_ABI_MAJOR, WEFT_ABI_MINOR);

class PluginHostTest : public ::testing::Test {
 protected:
  Status load(std::vector<fs::path> dirs, std::vector<std::string> required_plugins = {}) {
    return host_.load({std::move(dirs), json::object(), std::move(required_plugins)});
  }

  // What plugins() says of the fixture `name`; fails the test if it is not listed.
  PluginInfo info_of(const std::string& name) const {
    const auto infos = host_.plugins();
    const auto it = std::find_if(infos.begin(), infos.end(),
                                 [&](const PluginInfo& info) { return info.path == fixture(name).string(); });
    if (it == infos.end()) {
      ADD_FAILURE() << fixture(name) << " is not in plugins()";
      return {};
    }
    return *it;
  }

  // The fixture `name` is listed as rejected, and `node_type`, which it would
  // have provided (if any), is unknown to the host and its catalog. Returns the reason.
  std::string refusal_of(const std::string& name, const std::string& node_type = "") const {
    const PluginInfo info = info_of(name);
    EXPECT_FALSE(info.loaded) << name << " was loaded";
    if (!node_type.empty()) {
      EXPECT_EQ(host_.node_type(node_type), nullptr) << name << " registered " << node_type;
      EXPECT_EQ(host_.validate_params(node_type, json::object()), std::nullopt);
    }
    return info.error;
  }

  boost::asio::io_context io_;
  HostServices services_{io_};
  PluginHost host_{services_};
};

// Every fixture, loaded once per test from the fixtures' directory.
class PluginFixturesTest : public PluginHostTest {
 protected:
  void SetUp() override { ASSERT_TRUE(load({kFixtureDir}).ok()); }
};

TEST_F(PluginFixturesTest, TheWellFormedPluginLoadsBesideTheRefusedOnes) {
  const PluginInfo good = info_of("good");
  EXPECT_TRUE(good.loaded) << good.error;
  EXPECT_EQ(good.name, "good");
  EXPECT_EQ(good.abi, kHostAbi);
  EXPECT_THAT(good.provides, ElementsAre("node/fixture_good"));
  EXPECT_NE(host_.node_type("fixture_good"), nullptr);
}

TEST_F(PluginFixturesTest, TheCatalogValidatesParamsThroughTheLoadedNodeType) {
  EXPECT_THAT(host_.validate_params("fixture_good", json::object()), ::testing::Optional(IsEmpty()));
  EXPECT_THAT(host_.validate_params("fixture_good", {{"name", "x"}}),
              ::testing::Optional(ElementsAre(Problem{"", "fixture nodes take no params"})));
}

TEST_F(PluginFixturesTest, RefusesAFileThatIsNotASharedObject) {
  EXPECT_THAT(refusal_of("garbage"), HasSubstr("cannot load it as a shared object"));
}

TEST_F(PluginFixturesTest, RefusesASharedObjectWithoutTheEntryPoint) {
  EXPECT_THAT(refusal_of("no-entry"), HasSubstr(WEFT_PLUGIN_ENTRY_SYMBOL));
}

TEST_F(PluginFixturesTest, RefusesAnotherAbiMajorNamingBothVersions) {
  EXPECT_THAT(refusal_of("wrong-major", "fixture_wrong_major"),
              AllOf(HasSubstr("ABI " + abi(WEFT_ABI_MAJOR + 1, 0)), HasSubstr("ABI " + kHostAbi)));
}

TEST_F(PluginFixturesTest, RefusesANewerAbiMinorNamingBothVersions) {
  EXPECT_THAT(refusal_of("newer-minor", "fixture_newer_minor"),
              AllOf(HasSubstr("ABI " + abi(WEFT_ABI_MAJOR, WEFT_ABI_MINOR + 1)), HasSubstr("ABI " + kHostAbi)));
}

TEST_F(PluginFixturesTest, RefusesADescriptorShorterThanTheFieldsTheHostNeeds) {
  // The fixture's descriptor ends where `init` would begin.
  const std::string its_size = std::to_string(offsetof(weft_plugin_descriptor, init));
  EXPECT_THAT(refusal_of("short-descriptor"), AllOf(HasSubstr("descriptor is " + its_size + " bytes"),
                                                    HasSubstr(std::to_string(sizeof(weft_plugin_descriptor)))));
}

TEST_F(PluginFixturesTest, RefusesAFactoryShorterThanAWeftFactory) {
  EXPECT_THAT(refusal_of("short-factory", "fixture_short_factory"),
              AllOf(HasSubstr("factory 0 is"), HasSubstr("are needed")));
}

TEST_F(PluginFixturesTest, RefusesAFunctionTableTooShortForItsKind) {
  // The fixture's table holds struct_size, create and destroy.
  const std::string its_size = std::to_string(offsetof(weft_node_vtable, validate));
  EXPECT_THAT(refusal_of("short-vtable", "fixture_short_vtable"),
              AllOf(HasSubstr("node/fixture_short_vtable"), HasSubstr(its_size + " bytes"),
                    HasSubstr(std::to_string(sizeof(weft_node_vtable)))));
}

TEST_F(PluginFixturesTest, RefusesAPluginWhoseInitFailsPassingOnItsMessage) {
  EXPECT_THAT(refusal_of("init-fails", "fixture_init_fails"),
              AllOf(HasSubstr("init failed"), HasSubstr("cannot read the licence file /nonexistent/fixture.licence")));
}

TEST_F(PluginFixturesTest, RefusesAPluginWhoseNodeTypeThrowsInItsConstructor) {
  EXPECT_THAT(refusal_of("create-throws", "fixture_create_throws"),
              AllOf(HasSubstr("fixture_create_throws"),
                    HasSubstr("the template directory /nonexistent/templates does not exist")));
}

TEST_F(PluginFixturesTest, RegistersNoneOfAPluginsTypesWhenALaterOneFailsToCreate) {
  refusal_of("create-throws", "fixture_created_before_the_throw");
}

TEST_F(PluginFixturesTest, TheFirstPluginInNameOrderKeepsATypeName) {
  EXPECT_TRUE(info_of("duplicate-a").loaded);
  EXPECT_THAT(info_of("duplicate-b").provides, IsEmpty());
  EXPECT_THAT(refusal_of("duplicate-b"),
              AllOf(HasSubstr("node/fixture_duplicate"), HasSubstr(fixture("duplicate-a").string())));
  EXPECT_NE(host_.node_type("fixture_duplicate"), nullptr);
}

TEST_F(PluginFixturesTest, RefusesAPluginFileOthersCanWrite) {
  EXPECT_THAT(refusal_of("writable", "fixture_writable"),
              AllOf(HasSubstr(fixture("writable").string()), HasSubstr("writable by group or others")));
}

TEST_F(PluginHostTest, RefusesPluginsInADirectoryItsGroupCanWrite) {
  const test::TempDir dir;
  const fs::path copy = dir.path() / fixture("good").filename();
  fs::copy_file(fixture("good"), copy);
  fs::permissions(copy, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_all);

  ASSERT_TRUE(load({dir.path()}).ok());

  const auto infos = host_.plugins();
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_FALSE(infos[0].loaded);
  EXPECT_THAT(infos[0].error, AllOf(HasSubstr(dir.path().string()), HasSubstr("writable by group or others")));
  EXPECT_EQ(host_.node_type("fixture_good"), nullptr);
}

TEST_F(PluginHostTest, LoadFailsWhenARequiredPluginWasRefused) {
  const Status loaded = load({kFixtureDir}, {"wrong-major"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.failure().message, AllOf(HasSubstr("'wrong-major'"), HasSubstr("ABI " + kHostAbi)));
}

TEST_F(PluginHostTest, LoadSucceedsWhenTheRequiredPluginsLoaded) {
  EXPECT_TRUE(load({kFixtureDir}, {"good", "duplicate-a"}).ok());
}

}  // namespace
}  // namespace weft::daemon
