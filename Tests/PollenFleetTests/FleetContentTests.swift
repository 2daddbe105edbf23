import Foundation
import PollenCore
import PollenFleetProto
import Testing

@testable import PollenFleet

/// Pollen's instructions and results ⇄ the records of Flower's Message-API FedAvg.
@Suite struct FleetContentTests {
  static let w = NDArray([Float(1), 2, 3, 4], shape: [2, 2])
  static let b = NDArray([0.5, -1.0])

  static func reply(_ content: FlowerRecordDict) -> FlowerMessage {
    FlowerMessage(
      metadata: FlowerMetadata(runID: 1, srcNodeID: 9, dstNodeID: 1, messageType: "train", createdAt: 0),
      content: content)
  }

  @Test func anInstructionCarriesNamedArraysAndTheConfigWithServerRound() throws {
    let content = FleetContent.instruction(
      parameters: Parameters(tensors: [Self.w, Self.b]),
      config: ["server_round": .int(3), "lr": .double(0.1)],
      keys: ["w", "b"])
    #expect(content.records.keys == ["arrays", "config"])
    let arrays = try #require(content["arrays"]?.arrayRecord)
    #expect(arrays.arrays.keys == ["w", "b"])
    #expect(try arrays["w"]?.ndarray() == Self.w)
    let config = try #require(content["config"]?.configRecord)
    #expect(config["server-round"] == .sint64(3))
    #expect(config["lr"] == .double(0.1))
    #expect(FleetContent.keys(count: 2, layout: nil) == ["0", "1"])
    #expect(
      FleetContent.keys(count: 2, layout: FleetModelLayout(keys: ["w", "b"], shapes: [[2, 2], [2]])) == [
        "w", "b",
      ])
  }

  @Test func aTrainReplyBecomesAFitResInTheModelsKeyOrder() throws {
    let reply = Self.reply([
      "arrays": .arrays(["b": FlowerArray(Self.b), "w": FlowerArray(Self.w)]),
      "metrics": .metrics([
        "train_loss": .double(0.25), "num-examples": .sint64(12), "hist": .doubleList([1]),
      ]),
    ])
    let res = try FleetContent.fitRes(reply, keys: ["w", "b"], shapes: [[2, 2], [2]])
    #expect(res.parameters.tensors == [Self.w, Self.b])
    #expect(res.numExamples == 12)
    #expect(res.metrics == ["train_loss": .double(0.25), "num-examples": .int(12)])
  }

  @Test func repliesFedAvgWouldNotAggregateAreFailures() throws {
    let metrics = FlowerRecord.metrics(["num-examples": .sint64(1)])
    let cases: [(FlowerMessage, PollenError.Code)] = [
      (Self.reply(["metrics": metrics]), .invalidMessage),
      (
        Self.reply([
          "a": .arrays(["w": FlowerArray(Self.w), "b": FlowerArray(Self.b)]),
          "c": .arrays(["w": FlowerArray(Self.w), "b": FlowerArray(Self.b)]), "metrics": metrics,
        ]), .invalidMessage
      ),
      (Self.reply(["arrays": .arrays(["w": FlowerArray(Self.w)]), "metrics": metrics]), .shapeMismatch),
      (
        Self.reply([
          "arrays": .arrays(["w": FlowerArray(Self.b), "b": FlowerArray(Self.b)]), "metrics": metrics,
        ]),
        .shapeMismatch
      ),
      (
        Self.reply([
          "arrays": .arrays(["w": FlowerArray(Self.w), "b": FlowerArray(Self.b)]),
          "metrics": .metrics(["loss": .double(1)]),
        ]), .invalidMessage
      ),
      (
        FlowerMessage(
          metadata: Self.reply([:]).metadata, error: FlowerMessageError(code: 2, reason: "ClientApp raised")),
        .clientFailed
      ),
    ]
    for (reply, code) in cases {
      #expect {
        try FleetContent.fitRes(reply, keys: ["w", "b"], shapes: [[2, 2], [2]])
      } throws: { error in
        (error as? PollenError)?.code == code
      }
    }
  }

  @Test func anEvaluateReplysLossIsEvalLossOrLoss() throws {
    let res = try FleetContent.evaluateRes(
      Self.reply([
        "metrics": .metrics(["eval_loss": .double(0.5), "eval_acc": .double(0.9), "num-examples": .sint64(4)])
      ]))
    #expect(res.loss == 0.5 && res.numExamples == 4 && res.metrics["eval_acc"] == .double(0.9))
    let legacy = try FleetContent.evaluateRes(
      Self.reply(["metrics": .metrics(["loss": .sint64(2), "num-examples": .double(3)])]))
    #expect(legacy.loss == 2 && legacy.numExamples == 3)
    #expect(throws: PollenError.self) {
      try FleetContent.evaluateRes(
        Self.reply(["metrics": .metrics(["acc": .double(1), "num-examples": .sint64(1)])]))
    }
  }
}
