import PollenCore
import PollenFleetProto

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// How Pollen's instructions and results become the records of Flower 1.41's Message API and
/// back, following the Message-API FedAvg (`flwr/serverapp/strategy/fedavg.py`,
/// `flwr/serverapp/strategy/strategy_utils.py`).
enum FleetContent {
  /// The `ArrayRecord` key under which instructions carry the model (`arrayrecord_key`).
  static let arraysKey = "arrays"
  /// The `ConfigRecord` key of instructions (`configrecord_key`).
  static let configKey = "config"
  /// The metric that weighs a reply (`weighted_by_key`).
  static let numExamplesKey = "num-examples"
  /// The config entry FedAvg always adds (`config["server-round"] = server_round`).
  static let serverRoundKey = "server-round"
  /// The metrics an evaluate reply's loss is read from, in order: Flower's app templates report
  /// `eval_loss` (the Message API has no loss field), older apps `loss`.
  static let lossKeys = ["eval_loss", "loss"]

  /// The content of a `train` or `evaluate` instruction: `{"arrays": ArrayRecord(parameters),
  /// "config": ConfigRecord(config + "server-round")}`. The round is taken from Pollen's
  /// `server_round` config entry when present.
  static func instruction(parameters: Parameters, config: Config, keys: [String]) -> FlowerRecordDict {
    var arrays = OrderedItems<FlowerArray>()
    for (key, tensor) in zip(keys, parameters.tensors) { arrays[key] = FlowerArray(tensor) }
    var values = OrderedItems<FlowerConfigValue>()
    for key in config.keys.sorted() { values[key] = configValue(config[key]!) }
    if values[serverRoundKey] == nil, let round = config["server_round"] {
      values[serverRoundKey] = configValue(round)
    }
    return [arraysKey: .arrays(FlowerArrayRecord(arrays)), configKey: .config(FlowerConfigRecord(values))]
  }

  /// The `ArrayRecord` keys for `count` tensors: the layout's, else `"0"`, `"1"`, … as
  /// `ArrayRecord(list_of_ndarrays)` names them.
  static func keys(count: Int, layout: FleetModelLayout?) -> [String] {
    if let layout, layout.keys.count == count { return layout.keys }
    return (0..<count).map(String.init)
  }

  /// A `train` reply as a `FitRes`: exactly one `ArrayRecord` with the `keys` sent (returned in
  /// that order, each of the shape sent) and exactly one `MetricRecord` with `num-examples`.
  ///
  /// - Throws: `PollenError`: `clientFailed` for an error reply, `invalidMessage` or
  ///   `shapeMismatch` for content FedAvg would not aggregate.
  static func fitRes(_ reply: FlowerMessage, keys: [String], shapes: [[Int]]) throws -> FitRes {
    let content = try contentOf(reply)
    let arrayRecords = content.records.values.compactMap(\.arrayRecord)
    guard arrayRecords.count == 1, let record = arrayRecords.first else {
      throw PollenError(
        .invalidMessage, "a train reply needs exactly one ArrayRecord, not \(arrayRecords.count)")
    }
    guard Set(record.arrays.keys) == Set(keys), record.arrays.count == keys.count else {
      throw PollenError(
        .shapeMismatch, "the reply's arrays are \(record.arrays.keys), the model's are \(keys)")
    }
    var tensors: [NDArray] = []
    for (key, shape) in zip(keys, shapes) {
      let tensor = try record[key]!.ndarray()
      guard tensor.shape == shape else {
        throw PollenError(.shapeMismatch, "array \"\(key)\" has shape \(tensor.shape), the model's \(shape)")
      }
      tensors.append(tensor)
    }
    let (numExamples, metrics) = try metricsOf(content)
    return FitRes(
      status: .ok, parameters: Parameters(tensors: tensors), numExamples: numExamples, metrics: metrics)
  }

  /// An `evaluate` reply as an `EvaluateRes`: exactly one `MetricRecord` with `num-examples`; the
  /// loss is the first of ``lossKeys`` present.
  ///
  /// - Throws: `PollenError` as ``fitRes(_:keys:shapes:)``; `invalidMessage` without a loss.
  static func evaluateRes(_ reply: FlowerMessage) throws -> EvaluateRes {
    let content = try contentOf(reply)
    let (numExamples, metrics) = try metricsOf(content)
    guard let loss = lossKeys.lazy.compactMap({ metrics[$0]?.doubleValue }).first else {
      throw PollenError(
        .invalidMessage, "an evaluate reply needs a loss metric (\(lossKeys.joined(separator: " or ")))")
    }
    return EvaluateRes(status: .ok, loss: loss, numExamples: numExamples, metrics: metrics)
  }

  private static func contentOf(_ reply: FlowerMessage) throws -> FlowerRecordDict {
    switch reply.payload {
    case .content(let content): return content
    case .error(let error):
      throw PollenError(
        .clientFailed, "the node replied with error \(error.code): \(error.reason ?? "no reason given")")
    }
  }

  private static func metricsOf(_ content: FlowerRecordDict) throws -> (Int, Metrics) {
    let records = content.records.values.compactMap(\.metricRecord)
    guard records.count == 1, let record = records.first else {
      throw PollenError(.invalidMessage, "a reply needs exactly one MetricRecord, not \(records.count)")
    }
    var metrics: Metrics = [:]
    for (key, value) in record.values {
      switch value {
      case .double(let v): metrics[key] = .double(v)
      case .sint64(let v): metrics[key] = .int(v)
      case .uint64(let v): metrics[key] = .uint(v)
      case .doubleList, .sintList, .uintList: continue  // Pollen's metrics are scalars
      }
    }
    guard let examples = metrics[numExamplesKey]?.intValue, examples >= 0 else {
      throw PollenError(.invalidMessage, "the MetricRecord has no non-negative integer \"\(numExamplesKey)\"")
    }
    return (examples, metrics)
  }

  /// A Pollen scalar as Flower writes the Python value (`record_value_dict_to_proto`).
  static func configValue(_ scalar: Scalar) -> FlowerConfigValue {
    switch scalar {
    case .double(let v): .double(v)
    case .int(let v): .sint64(v)
    case .uint(let v): v <= UInt64(Int64.max) ? .sint64(Int64(v)) : .uint64(v)
    case .bool(let v): .bool(v)
    case .string(let v): .string(v)
    case .bytes(let v): .bytes(Data(v))
    }
  }
}
