// IR: the graph editing mechanism keeps use lists consistent, commit sorts
// and verifies, subgraph outer-scope uses become implicit inputs.
#include <gtest/gtest.h>

#include "ir/graph.h"
#include "unit/model_builder.h"

namespace onyx::test {
namespace {

bool uses_contain(const ir::Value* v, const ir::Node* n, int index) {
  for (const ir::Use& u : v->uses)
    if (u.node == n && u.index == index) return true;
  return false;
}

TEST(IR, AddNodeRecordsUses) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  ir::Value* y = mb.node("Relu", {x});
  ir::Node* relu = mb.last_node();
  EXPECT_TRUE(uses_contain(x, relu, 0));
  EXPECT_EQ(y->producer, relu);
  mb.output(y);
  EXPECT_NO_THROW(mb.graph().commit());
}

TEST(IR, ReplaceUsesRewiresConsumersAndOutputs) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  ir::Value* a = mb.node("Relu", {x});
  ir::Value* b = mb.node("Neg", {a});
  ir::Node* neg = mb.last_node();
  mb.output(a);
  ir::Graph& g = mb.graph();
  const std::string out_name = a->name;
  g.replace_uses(a, x);
  EXPECT_EQ(neg->inputs[0], x);
  EXPECT_TRUE(a->uses.empty());
  EXPECT_TRUE(uses_contain(x, neg, 0));
  // x is a graph input and keeps its name: an Identity carries the output's.
  ASSERT_NE(g.outputs[0], a);
  EXPECT_EQ(g.outputs[0]->name, out_name);
  ASSERT_NE(g.outputs[0]->producer, nullptr);
  EXPECT_EQ(g.outputs[0]->producer->op_type, "Identity");
  EXPECT_EQ(g.outputs[0]->producer->inputs[0], x);
  EXPECT_EQ(x->name, "x");
  EXPECT_FALSE(x->is_graph_output);
  (void)b;
}

TEST(IR, ReplaceUsesKeepsGraphOutputNames) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  ir::Value* a = mb.node("Relu", {x});
  ir::Value* b = mb.node("Neg", {a});
  mb.output(b);
  ir::Graph& g = mb.graph();
  const std::string out_name = b->name;
  g.replace_uses(b, a);  // a computed value: it takes the output's name itself
  EXPECT_EQ(g.outputs[0], a);
  EXPECT_EQ(a->name, out_name);
  EXPECT_TRUE(a->is_graph_output);
  EXPECT_FALSE(b->is_graph_output);
  EXPECT_EQ(g.find_local(out_name), a);
  EXPECT_EQ(g.find_local(b->name), b);
}

TEST(IR, RemoveDeadDropsUnusedChains) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  ir::Value* keep = mb.node("Relu", {x});
  ir::Value* dead1 = mb.node("Neg", {x});
  mb.node("Abs", {dead1});  // dead too: its output is unused
  mb.output(keep);
  ir::Graph& g = mb.graph();
  EXPECT_EQ(g.remove_dead(), 2);
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0]->op_type, "Relu");
  EXPECT_EQ(x->uses.size(), 1u);
  EXPECT_NO_THROW(g.commit());
}

TEST(IR, CommitSortsTopologically) {
  ModelBuilder mb;
  ir::Graph& g = mb.graph();
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  // Create consumer first with a placeholder, then its producer, then wire.
  ir::Node* consumer = g.add_node("Neg", "", {nullptr}, 1, "consumer");
  ir::Node* producer = g.add_node("Relu", "", {x}, 1, "producer");
  g.set_input(consumer, 0, producer->outputs[0]);
  mb.output(consumer->outputs[0]);
  g.commit();
  EXPECT_EQ(g.nodes()[0].get(), producer);
  EXPECT_EQ(g.nodes()[1].get(), consumer);
}

TEST(IR, VerifyCatchesUseBeforeDefinitionViaCycle) {
  ModelBuilder mb;
  ir::Graph& g = mb.graph();
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  ir::Node* a = g.add_node("Add", "", {x, nullptr}, 1, "a");
  ir::Node* b = g.add_node("Relu", "", {a->outputs[0]}, 1, "b");
  g.set_input(a, 1, b->outputs[0]);
  mb.output(b->outputs[0]);
  try {
    g.commit();
    FAIL() << "cycle not detected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos);
  }
}

TEST(IR, SubgraphOuterScopeBecomesImplicitInput) {
  ModelBuilder mb;
  ir::Graph& g = mb.graph();
  ir::Value* cond = mb.input("cond", DataType::kBool, {});
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  ir::Value* outer = mb.node("Relu", {x});
  auto then_g = std::make_shared<ir::Graph>();
  then_g->parent = &g;
  then_g->model = &mb.model();
  then_g->name = "then";
  ir::Node* inner = then_g->add_node("Neg", "", {outer}, 1, "inner");
  then_g->outputs.push_back(inner->outputs[0]);
  inner->outputs[0]->is_graph_output = true;
  ir::Attribute a;
  a.name = "then_branch";
  a.type = ir::AttrType::kGraph;
  a.g = then_g;
  ir::Node* iff = g.add_node("If", "", {cond}, 1, "if", {a});
  then_g->owner = iff;
  mb.output(iff->outputs[0]);
  g.commit();
  ASSERT_EQ(iff->implicit_inputs.size(), 1u);
  EXPECT_EQ(iff->implicit_inputs[0], outer);
  EXPECT_TRUE(uses_contain(outer, iff, -1));
  // The producer of the outer value sorts before the If.
  EXPECT_EQ(g.nodes().back().get(), iff);
}

TEST(IR, AttributeAccessorsCheckTypes) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  mb.node("Softmax", {x}, {ModelBuilder::attr_ints("axis", {1})});
  ir::Node* n = mb.last_node();
  try {
    n->attr_int("axis", 0);
    FAIL() << "wrong attribute type accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("attribute 'axis' should be int but is ints"), std::string::npos) << e.what();
  }
  EXPECT_EQ(n->attr_int("missing", 7), 7);
}

TEST(IR, UniqueNamesDoNotCollide) {
  ModelBuilder mb;
  ir::Graph& g = mb.graph();
  ir::Value* a = g.add_value("t");
  ir::Value* b = g.add_value("t");
  EXPECT_NE(a->name, b->name);
  EXPECT_EQ(g.find("t"), a);
}

TEST(IR, TypeStrings) {
  ir::Type t = ir::Type::tensor(DataType::kFloat, {ir::Dim::sym("batch"), 3, ir::Dim()});
  EXPECT_EQ(t.str(), "tensor(float)[batch,3,?]");
  EXPECT_EQ(ir::Type::sequence(ir::Type::tensor(DataType::kInt64)).str(), "seq(tensor(int64))");
  EXPECT_FALSE(t.static_shape().has_value());
  EXPECT_EQ(*ir::Type::tensor(DataType::kFloat, {2, 3}).static_shape(), (Shape{2, 3}));
}

}  // namespace
}  // namespace onyx::test
