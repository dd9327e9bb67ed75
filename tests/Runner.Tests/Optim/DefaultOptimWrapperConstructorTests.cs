using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Optim;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Tests.Optim;

/// <summary>paramwise_cfg on a small conv + norm + depthwise conv + linear model, as MMEngine's constructor does it.</summary>
[TestClass]
public sealed class DefaultOptimWrapperConstructorTests
{
    public sealed class ConvNormModel : BaseModel
    {
        private readonly Conv2d conv;
        private readonly BatchNorm2d bn;
        private readonly Conv2d dw;
        private readonly Linear fc;

        public ConvNormModel() : base(nameof(ConvNormModel))
        {
            conv = nn.Conv2d(3, 4, 3);
            bn = nn.BatchNorm2d(4);
            dw = nn.Conv2d(4, 4, 3, groups: 4);
            fc = nn.Linear(4, 2);
            RegisterComponents();
        }

        public override ModelOutput Forward(DataBatch batch, ForwardMode mode) =>
            ClassificationOutput.From(fc.forward(dw.forward(bn.forward(conv.forward(batch.Inputs))).mean([2, 3])), batch, mode);
    }

    private static DefaultOptimWrapperConstructor Constructor(string toml)
    {
        var cfg = ConfigLoader.Parse(toml, "job.toml");
        var (constructor, defaults) = (cfg.Clone(), cfg["paramwise_cfg"] as ConfigTable);
        constructor.Remove("paramwise_cfg");
        return new DefaultOptimWrapperConstructor(constructor, new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope), defaults);
    }

    private static Dictionary<string, (double Lr, double? Wd)> Groups(DefaultOptimWrapperConstructor constructor) =>
        constructor.ParamGroups(new ConvNormModel(), 0.1).ToDictionary(g => g.Name, g => (g.Lr, g.WeightDecay));

    private static void AssertGroup(Dictionary<string, (double Lr, double? Wd)> groups, string name, double lr, double wd)
    {
        Assert.AreEqual(lr, groups[name].Lr, 1e-12, $"{name} lr");
        Assert.AreEqual(wd, groups[name].Wd!.Value, 1e-12, $"{name} weight_decay");
    }

    [TestMethod]
    public void Multipliers_FollowMmenginesRules()
    {
        var groups = Groups(Constructor("""
            optimizer = { type = "SGD", lr = 0.1, weight_decay = 0.0001 }
            paramwise_cfg = { bias_lr_mult = 2.0, bias_decay_mult = 0.5, norm_decay_mult = 0.0, dwconv_decay_mult = 0.1, flat_decay_mult = 0.3 }
            """));

        Assert.HasCount(8, groups);
        AssertGroup(groups, "conv.weight", 0.1, 1e-4);
        AssertGroup(groups, "conv.bias", 0.2, 0.5e-4);
        AssertGroup(groups, "bn.weight", 0.1, 0);        // norm: no decay, and no bias_lr_mult for its bias
        AssertGroup(groups, "bn.bias", 0.1, 0);
        AssertGroup(groups, "dw.weight", 0.1, 1e-5);     // depthwise
        AssertGroup(groups, "dw.bias", 0.2, 0.5e-4);     // the bias rule comes before the depthwise one
        AssertGroup(groups, "fc.weight", 0.1, 1e-4);
        AssertGroup(groups, "fc.bias", 0.2, 0.5e-4);
    }

    [TestMethod]
    public void CustomKeys_LongestMatchWins_AndSkipsTheOtherRules()
    {
        var groups = Groups(Constructor("""
            optimizer = { type = "SGD", lr = 0.1, weight_decay = 0.0001 }
            [paramwise_cfg]
            bias_lr_mult = 2.0
            custom_keys = { "fc" = { lr_mult = 0.1 }, "fc.bias" = { lr_mult = 0.0, decay_mult = 0.0 } }
            """));

        AssertGroup(groups, "fc.weight", 0.01, 1e-4);
        AssertGroup(groups, "fc.bias", 0.0, 0.0);
        AssertGroup(groups, "conv.bias", 0.2, 1e-4);
    }

    [TestMethod]
    public void DecayMultiplier_WithoutWeightDecay_IsRejected()
    {
        var error = Assert.ThrowsExactly<ConfigException>(() => Constructor("""
            optimizer = { type = "SGD", lr = 0.1 }
            paramwise_cfg = { norm_decay_mult = 0.0 }
            """));

        StringAssert.Contains(error.Message, "base_wd should not be None");
    }

    [TestMethod]
    public void Build_GivesTheOptimizerOneGroupPerParameter_WithTheirSettings()
    {
        var constructor = Constructor("""
            optimizer = { type = "AdamW", lr = 0.1, weight_decay = 0.01 }
            accumulative_counts = 2
            paramwise_cfg = { bias_lr_mult = 2.0, norm_decay_mult = 0.0 }
            """);

        var wrapper = constructor.Build(new ConvNormModel());

        Assert.AreEqual(8, wrapper.ParamGroupCount);
        Assert.AreEqual(2, wrapper.AccumulativeCounts);
        CollectionAssert.AreEqual(new[] { 0.1, 0.2, 0.1, 0.1, 0.1, 0.2, 0.1, 0.2 }, wrapper.GetLr().ToArray());
        Assert.AreEqual(0.0, wrapper.GetParam(2, "weight_decay"), 1e-12);
        Assert.AreEqual(0.01, wrapper.GetParam(0, "weight_decay"), 1e-12);
        Assert.AreEqual(0.999, wrapper.GetParam(5, "beta2"), 1e-12, "other options are copied from the optimizer's own");
    }

    [TestMethod]
    public void NoParamwise_OneGroup()
    {
        var wrapper = Constructor("optimizer = { type = \"SGD\", lr = 0.1 }").Build(new ConvNormModel());

        Assert.AreEqual(1, wrapper.ParamGroupCount);
    }
}
