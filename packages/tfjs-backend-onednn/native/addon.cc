// The N-API surface of the backend: every function takes tfjs's own typed arrays (no copies) and
// writes into an output array the caller allocated. Shapes and attributes arrive as plain arrays.
#include <napi.h>
#include <omp.h>

#include <exception>
#include <string>

#include "conv.h"
#include "elementwise.h"
#include "layout.h"
#include "parallel.h"
#include "peak.h"
#include "plan.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace onednn_backend {
namespace {

template <typename T>
T* dataOf(const Napi::Value& value, const char* what) {
  if (!value.IsTypedArray()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a typed array");
  auto array = value.As<Napi::TypedArrayOf<T>>();
  const bool matches = std::is_same_v<T, float> ? array.TypedArrayType() == napi_float32_array
                                                : array.TypedArrayType() == napi_uint8_array;
  if (!matches) throw Napi::TypeError::New(value.Env(), std::string(what) + " has the wrong element type");
  return array.Data();
}

int64_t lengthOf(const Napi::Value& value) { return static_cast<int64_t>(value.As<Napi::TypedArray>().ElementLength()); }

Shape shapeOf(const Napi::Value& value) {
  auto array = value.As<Napi::Array>();
  Shape shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) shape[i] = array.Get(i).As<Napi::Number>().Int64Value();
  return shape;
}

ConvGeometry geometryOf(const Napi::Value& value) {
  const Shape v = shapeOf(value);
  if (v.size() != 15) throw Napi::TypeError::New(value.Env(), "convolution geometry needs 15 numbers");
  return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
}

// Turns C++ exceptions (oneDNN's included) into JavaScript errors instead of aborting the process.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("onednn: ") + e.what());
  }
}

// Optional 5th argument of convForward / convBackwardData: the filter is already in the primitive's layout.
bool preparedFlag(const Napi::CallbackInfo& info) { return info.Length() > 4 && info[4].ToBoolean().Value(); }

WeightsUse weightsUseOf(const Napi::Value& value) {
  return value.As<Napi::Number>().Int32Value() == 0 ? WeightsUse::Forward : WeightsUse::BackwardData;
}

Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  convForward(geometryOf(info[3]), dataOf<float>(info[0], "x"), dataOf<float>(info[1], "filter"), preparedFlag(info),
              dataOf<float>(info[2], "output"));
  return info.Env().Undefined();
}

Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  convBackwardData(geometryOf(info[3]), dataOf<float>(info[0], "dy"), dataOf<float>(info[1], "filter"),
                   preparedFlag(info), dataOf<float>(info[2], "output"));
  return info.Env().Undefined();
}

Napi::Value ConvWeightsSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(),
                           static_cast<double>(convWeightsSize(geometryOf(info[0]), weightsUseOf(info[1]))));
}

Napi::Value ConvWeightsLayout(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), convWeightsLayout(geometryOf(info[0]), weightsUseOf(info[1])));
}

Napi::Value ConvPrepareWeights(const Napi::CallbackInfo& info) {
  const ConvGeometry g = geometryOf(info[0]);
  const WeightsUse use = weightsUseOf(info[1]);
  float* out = dataOf<float>(info[3], "output");
  if (lengthOf(info[3]) != convWeightsSize(g, use)) {
    throw Napi::RangeError::New(info.Env(), "prepared weights have the wrong length");
  }
  convPrepareWeights(g, use, dataOf<float>(info[2], "filter"), out);
  return info.Env().Undefined();
}

Napi::Value ConvBackwardWeights(const Napi::CallbackInfo& info) {
  convBackwardWeights(geometryOf(info[3]), dataOf<float>(info[0], "x"), dataOf<float>(info[1], "dy"),
                      dataOf<float>(info[2], "output"));
  return info.Env().Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  const auto op = static_cast<UnaryOp>(info[0].As<Napi::Number>().Int32Value());
  const float alpha = info[1].As<Napi::Number>().FloatValue();
  unary(op, alpha, dataOf<float>(info[2], "x"), dataOf<float>(info[3], "output"), lengthOf(info[3]));
  return info.Env().Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  const auto op = static_cast<BinaryOp>(info[0].As<Napi::Number>().Int32Value());
  void* out = isComparison(op) ? static_cast<void*>(dataOf<uint8_t>(info[5], "output"))
                               : static_cast<void*>(dataOf<float>(info[5], "output"));
  binary(op, dataOf<float>(info[1], "a"), shapeOf(info[2]), dataOf<float>(info[3], "b"), shapeOf(info[4]), out,
         shapeOf(info[6]));
  return info.Env().Undefined();
}

Napi::Value LeakyReluGrad(const Napi::CallbackInfo& info) {
  leakyReluGrad(static_cast<float>(info[0].As<Napi::Number>().DoubleValue()), dataOf<float>(info[1], "dy"),
                dataOf<float>(info[2], "x"), dataOf<float>(info[3], "output"), lengthOf(info[3]));
  return info.Env().Undefined();
}

Napi::Value Select(const Napi::CallbackInfo& info) {
  select(dataOf<uint8_t>(info[0], "condition"), dataOf<float>(info[1], "a"), dataOf<float>(info[2], "b"),
         dataOf<float>(info[3], "output"), lengthOf(info[3]));
  return info.Env().Undefined();
}

std::vector<const float*> arraysOf(const Napi::Value& value) {
  auto list = value.As<Napi::Array>();
  std::vector<const float*> arrays(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) arrays[i] = dataOf<float>(list.Get(i), "input");
  return arrays;
}

Napi::Value AddN(const Napi::CallbackInfo& info) {
  addN(arraysOf(info[0]), dataOf<float>(info[1], "output"), lengthOf(info[1]));
  return info.Env().Undefined();
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const auto op = static_cast<ReduceOp>(info[0].As<Napi::Number>().Int32Value());
  const bool done = reduce(op, dataOf<float>(info[1], "x"), shapeOf(info[2]), shapeOf(info[3]),
                           dataOf<float>(info[4], "output"));
  return Napi::Boolean::New(info.Env(), done);
}

Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  auto optional = [&](size_t i) { return info[i].IsNull() ? nullptr : dataOf<float>(info[i], "parameter"); };
  auto sizeOf = [&](size_t i) { return info[i].IsNull() ? int64_t{0} : lengthOf(info[i]); };
  batchNorm(dataOf<float>(info[0], "x"), lengthOf(info[0]), info[1].As<Napi::Number>().Int64Value(),
            dataOf<float>(info[2], "mean"), lengthOf(info[2]), dataOf<float>(info[3], "variance"), lengthOf(info[3]),
            optional(4), sizeOf(4), optional(5), sizeOf(5), info[6].As<Napi::Number>().FloatValue(),
            dataOf<float>(info[7], "output"));
  return info.Env().Undefined();
}

Napi::Value BatchNormTrainingForward(const Napi::CallbackInfo& info) {
  const int64_t channels = lengthOf(info[1]);
  batchNormTrainingForward(dataOf<float>(info[0], "x"), lengthOf(info[0]) / channels, channels,
                           dataOf<float>(info[1], "scale"), dataOf<float>(info[2], "offset"),
                           info[3].As<Napi::Number>().FloatValue(), dataOf<float>(info[4], "y"),
                           dataOf<float>(info[5], "mean"), dataOf<float>(info[6], "variance"));
  return info.Env().Undefined();
}

Napi::Value BatchNormTrainingBackward(const Napi::CallbackInfo& info) {
  const int64_t channels = lengthOf(info[2]);
  batchNormTrainingBackward(dataOf<float>(info[0], "dy"), dataOf<float>(info[1], "x"), lengthOf(info[1]) / channels,
                            channels, dataOf<float>(info[2], "scale"), dataOf<float>(info[3], "mean"),
                            dataOf<float>(info[4], "variance"), dataOf<float>(info[5], "dMean"),
                            dataOf<float>(info[6], "dVariance"), info[7].As<Napi::Number>().FloatValue(),
                            dataOf<float>(info[8], "dx"), dataOf<float>(info[9], "dScale"),
                            dataOf<float>(info[10], "dOffset"));
  return info.Env().Undefined();
}

Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  auto hyper = info[0].As<Napi::Array>();
  auto at = [&](uint32_t i) { return hyper.Get(i).As<Napi::Number>().DoubleValue(); };
  const double beta1 = at(0), beta2 = at(1);
  const AdamHyper params{static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(at(2)),
                         static_cast<float>(at(3)),  static_cast<float>(at(4)), static_cast<float>(1 - beta1),
                         static_cast<float>(1 - beta2)};
  adamUpdate(params, dataOf<float>(info[1], "param"), dataOf<float>(info[2], "grad"), dataOf<float>(info[3], "m"),
             dataOf<float>(info[4], "v"), dataOf<float>(info[5], "paramOut"), dataOf<float>(info[6], "mOut"),
             dataOf<float>(info[7], "vOut"), lengthOf(info[1]));
  return info.Env().Undefined();
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  transpose(dataOf<float>(info[0], "x"), shapeOf(info[1]), shapeOf(info[2]), dataOf<float>(info[3], "output"));
  return info.Env().Undefined();
}

Napi::Value Slice(const Napi::CallbackInfo& info) {
  slice(dataOf<float>(info[0], "x"), shapeOf(info[1]), shapeOf(info[2]), shapeOf(info[3]),
        dataOf<float>(info[4], "output"));
  return info.Env().Undefined();
}

Napi::Value Concat(const Napi::CallbackInfo& info) {
  concat(arraysOf(info[0]), info[1].As<Napi::Number>().Int64Value(), shapeOf(info[2]),
         dataOf<float>(info[3], "output"));
  return info.Env().Undefined();
}

Napi::Value Pad(const Napi::CallbackInfo& info) {
  pad(dataOf<float>(info[0], "x"), shapeOf(info[1]), shapeOf(info[2]), shapeOf(info[3]),
      static_cast<PadMode>(info[4].As<Napi::Number>().Int32Value()), info[5].As<Napi::Number>().FloatValue(),
      dataOf<float>(info[6], "output"));
  return info.Env().Undefined();
}

Napi::Value Tile(const Napi::CallbackInfo& info) {
  tile(dataOf<float>(info[0], "x"), shapeOf(info[1]), shapeOf(info[2]), dataOf<float>(info[3], "output"));
  return info.Env().Undefined();
}

Napi::Value GemmGflops(const Napi::CallbackInfo& info) {
  const int64_t size = info[0].As<Napi::Number>().Int64Value();
  const int32_t repetitions = info[1].As<Napi::Number>().Int32Value();
  if (size < 1 || repetitions < 1) throw Napi::RangeError::New(info.Env(), "size and repetitions must be at least 1");
  return Napi::Number::New(info.Env(), gemmGflops(size, repetitions));
}

PlanSlice sliceOf(const Napi::Value& value) {
  const Shape v = shapeOf(value);
  if (v.size() != 3) throw Napi::TypeError::New(value.Env(), "a plan slice is [buffer, offset, channels]");
  return {v[0], v[1], v[2]};
}

std::vector<float> floatsOf(const Napi::Value& value, const char* what) {
  if (value.IsNull() || value.IsUndefined()) return {};
  const float* data = dataOf<float>(value, what);
  return std::vector<float>(data, data + lengthOf(value));
}

PlanSpec planSpecOf(const Napi::Object& spec) {
  PlanSpec result{shapeOf(spec.Get("bufferChannels")), spec.Get("output").As<Napi::Number>().Int64Value(), {}};
  auto steps = spec.Get("steps").As<Napi::Array>();
  for (uint32_t i = 0; i < steps.Length(); ++i) {
    auto s = steps.Get(i).As<Napi::Object>();
    auto number = [&](const char* key) { return s.Get(key).As<Napi::Number>(); };
    PlanStep step{static_cast<PlanStepKind>(number("kind").Int32Value()), sliceOf(s.Get("src")), sliceOf(s.Get("dst")),
                  floatsOf(s.Get("weights"), "weights"), floatsOf(s.Get("bias"), "bias"), number("kernel").Int64Value(),
                  number("stride").Int64Value(), number("pad").Int64Value(),
                  static_cast<PlanActivation>(number("activation").Int32Value()), number("alpha").FloatValue()};
    result.steps.push_back(std::move(step));
  }
  return result;
}

using PlanHandle = std::shared_ptr<CompiledPlan>;

CompiledPlan& planOf(const Napi::Value& value) {
  if (!value.IsExternal()) throw Napi::TypeError::New(value.Env(), "not a compiled plan");
  return **value.As<Napi::External<PlanHandle>>().Data();
}

Napi::Value PlanCompile(const Napi::CallbackInfo& info) {
  PlanHandle plan;
  try {
    plan = compilePlan(planSpecOf(info[0].As<Napi::Object>()), info[1].As<Napi::Number>().Int64Value(),
                       info[2].As<Napi::Number>().Int64Value());
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(info.Env(), std::string("onednn plan: ") + e.what());
  }
  const int64_t bytes = planBytes(*plan);
  Napi::MemoryManagement::AdjustExternalMemory(info.Env(), bytes);
  return Napi::External<PlanHandle>::New(info.Env(), new PlanHandle(std::move(plan)),
                                         [bytes](Napi::Env env, PlanHandle* handle) {
                                           Napi::MemoryManagement::AdjustExternalMemory(env, -bytes);
                                           delete handle;
                                         });
}

Napi::Value PlanOutputShape(const Napi::CallbackInfo& info) {
  const std::vector<int64_t> shape = planOutputShape(planOf(info[0]));
  Napi::Array result = Napi::Array::New(info.Env(), shape.size());
  for (uint32_t i = 0; i < shape.size(); ++i) result.Set(i, static_cast<double>(shape[i]));
  return result;
}

Napi::Value PlanRun(const Napi::CallbackInfo& info) {
  runPlan(planOf(info[0]), dataOf<float>(info[1], "x"), dataOf<float>(info[2], "output"),
          info[3].As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  const dnnl_version_t* v = dnnl_version();
  result.Set("onednnVersion", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  result.Set("threads", parallelThreads());
  result.Set("convPrimitives", static_cast<double>(convCacheSize()));
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New<guarded<ConvForward>>(env));
  exports.Set("convBackwardData", Napi::Function::New<guarded<ConvBackwardData>>(env));
  exports.Set("convWeightsSize", Napi::Function::New<guarded<ConvWeightsSize>>(env));
  exports.Set("convWeightsLayout", Napi::Function::New<guarded<ConvWeightsLayout>>(env));
  exports.Set("convPrepareWeights", Napi::Function::New<guarded<ConvPrepareWeights>>(env));
  exports.Set("convBackwardWeights", Napi::Function::New<guarded<ConvBackwardWeights>>(env));
  exports.Set("unary", Napi::Function::New<guarded<Unary>>(env));
  exports.Set("binary", Napi::Function::New<guarded<Binary>>(env));
  exports.Set("select", Napi::Function::New<guarded<Select>>(env));
  exports.Set("leakyReluGrad", Napi::Function::New<guarded<LeakyReluGrad>>(env));
  exports.Set("addN", Napi::Function::New<guarded<AddN>>(env));
  exports.Set("reduce", Napi::Function::New<guarded<Reduce>>(env));
  exports.Set("batchNorm", Napi::Function::New<guarded<BatchNorm>>(env));
  exports.Set("batchNormTrainingForward", Napi::Function::New<guarded<BatchNormTrainingForward>>(env));
  exports.Set("batchNormTrainingBackward", Napi::Function::New<guarded<BatchNormTrainingBackward>>(env));
  exports.Set("adamUpdate", Napi::Function::New<guarded<AdamUpdate>>(env));
  exports.Set("transpose", Napi::Function::New<guarded<Transpose>>(env));
  exports.Set("slice", Napi::Function::New<guarded<Slice>>(env));
  exports.Set("concat", Napi::Function::New<guarded<Concat>>(env));
  exports.Set("pad", Napi::Function::New<guarded<Pad>>(env));
  exports.Set("tile", Napi::Function::New<guarded<Tile>>(env));
  exports.Set("gemmGflops", Napi::Function::New<guarded<GemmGflops>>(env));
  exports.Set("planCompile", Napi::Function::New<guarded<PlanCompile>>(env));
  exports.Set("planOutputShape", Napi::Function::New<guarded<PlanOutputShape>>(env));
  exports.Set("planRun", Napi::Function::New<guarded<PlanRun>>(env));
  exports.Set("info", Napi::Function::New<guarded<Info>>(env));
  return exports;
}

}  // namespace
}  // namespace onednn_backend

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return onednn_backend::Init(env, exports); }

NODE_API_MODULE(onednn, InitModule)
