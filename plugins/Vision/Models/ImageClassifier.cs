using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Plugins.Vision.Models;

/// <summary>
/// An image classifier on a TorchVision backbone (mmpretrain's <c>ImageClassifier</c> with a torchvision model):
/// <c>backbone</c> names the architecture (<c>resnet18</c>, <c>mobilenet_v2</c>…), <c>num_classes</c> sizes its last
/// layer, and the loss is cross-entropy. Its parameters carry torchvision's names (<c>conv1.weight</c>,
/// <c>layer1.0.bn1.running_mean</c>, <c>fc.weight</c>…, no prefix), so <c>load_from</c> of a torchvision
/// <c>state_dict</c> saved with <c>torch.save</c> loads without <c>revise_keys</c>. One-channel inputs (MNIST) are
/// repeated to three.
/// </summary>
/// <example><code>
/// model = { type = "ImageClassifier", backbone = "resnet18", num_classes = 10, data_preprocessor = {
///   type = "ImgDataPreprocessor", mean = [123.675, 116.28, 103.53], std = [58.395, 57.12, 57.375] } }
/// </code></example>
[Register]
public sealed class ImageClassifier : BaseModel
{
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly List<nn.Module> _frozen = [];

    /// <param name="backbone">The torchvision architecture.</param>
    /// <param name="numClasses">The number of classes.</param>
    /// <param name="frozenStages">For a ResNet: −1 trains everything; 0 freezes the stem (conv1, bn1); k also freezes
    /// layer1…layer<i>k</i> (weights fixed, batch-norm statistics too), as mmpretrain's <c>frozen_stages</c>.</param>
    public ImageClassifier(string backbone = "resnet18", [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)] int numClasses = 1000,
        [System.ComponentModel.DataAnnotations.Range(-1, 4)] int frozenStages = -1)
    {
        if (frozenStages >= 0 && !backbone.StartsWith("res", StringComparison.Ordinal) && !backbone.StartsWith("wide_res", StringComparison.Ordinal))
            throw new ArgumentException($"frozen_stages is for ResNet backbones; '{backbone}' has no such stages.", nameof(frozenStages));
        Backbone = backbone;
        NumClasses = numClasses;
        _network = Backbones.Create(backbone, numClasses);
        // The network's own children become this model's, so names carry no prefix (torchvision's state_dict loads as is).
        foreach (var (name, child) in _network.named_children()) register_module(name, child);
        for (var stage = 0; stage <= frozenStages; stage++)
        {
            foreach (var name in Backbones.ResNetStages[stage])
            {
                var module = _network.named_children().First(c => c.name == name).module;
                foreach (var parameter in module.parameters()) parameter.requires_grad = false;
                _frozen.Add(module);
            }
        }
        FreezeStatistics();
    }

    /// <summary>The architecture's name.</summary>
    public string Backbone { get; }

    /// <summary>The number of classes.</summary>
    public int NumClasses { get; }

    /// <inheritdoc/>
    public override ModelOutput Forward(DataBatch batch, ForwardMode mode)
    {
        var inputs = batch.Inputs;
        using var expanded = inputs.shape[1] == 1 ? inputs.expand(-1, 3, -1, -1) : null;
        return ClassificationOutput.From(_network.forward(expanded ?? inputs), batch, mode);
    }

    /// <summary>Switches training mode, keeping frozen stages' batch norms in eval mode (their statistics stay fixed).</summary>
    public override void train(bool on = true)
    {
        base.train(on);
        FreezeStatistics();
    }

    private void FreezeStatistics()
    {
        foreach (var module in _frozen) module.eval();
    }
}
