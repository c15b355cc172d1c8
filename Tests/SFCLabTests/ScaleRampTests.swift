// `sfc-lab demo --scene scale --ramp ... --flow-seconds ...`: the ramp's
// text form round-trips, and a bad one is refused with the stage it names.
import SFCLab
import Testing

struct ScaleRampTests {
    @Test func theDemoRampRoundTripsThroughItsText() throws {
        let ramp = try ScaleRamp(parsing: ScaleRamp.demo.text, flowSeconds: ScaleRamp.demo.flowSeconds)
        #expect(ramp == .demo)
        #expect(ScaleRamp.demo.text == "2x5s,6x7s,16x7s,1x10s")
        let idleTail = try ScaleRamp(parsing: "4x16s,0x8s", flowSeconds: 1)
        #expect(idleTail.stages.map(\.flows) == [4, 0] && idleTail.stages.map(\.seconds) == [16, 8])
    }

    @Test(arguments: [
        ("", "stage 1"), ("4x16", "stage 1 '4x16'"), ("2x5s,x7s", "stage 2 'x7s'"), ("65x5s", "0-64 flows"),
        ("2x0s", "1-600 s"), ("0x5s,0x5s", "no stage has a flow"), ("2x5s,", "stage 2 ''"),
    ])
    func aBadRampNamesTheStage(text: String, expected: String) {
        do {
            _ = try ScaleRamp(parsing: text, flowSeconds: 3)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func flowSecondsOutOfRangeIsRefused() {
        #expect(throws: LabError.self) { try ScaleRamp(parsing: "2x5s", flowSeconds: 0) }
        #expect(throws: LabError.self) { try ScaleRamp(parsing: "2x5s", flowSeconds: 601) }
    }
}
