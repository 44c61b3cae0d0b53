"""InferenceSession and IOBinding: ONNX Runtime's session API over onyx._onyx."""

import copy
import os
import warnings

import numpy as np

from onyx import _onyx

_CPU = "CPUExecutionProvider"


def _normalize_providers(providers, provider_options):
    """Returns ([names], [option dicts]) for the providers this build can use.

    Accepts what ONNX Runtime accepts: names, (name, options) pairs, and a
    parallel provider_options list. A provider this build lacks is skipped
    with a warning, as ONNX Runtime does; the CPU provider is always last.
    """
    if providers is None:
        if provider_options is not None:
            raise ValueError("provider_options given without providers")
        return [_CPU], [{}]
    if isinstance(providers, str):
        raise ValueError("providers must be a list of names or (name, options) pairs, not a str")
    providers = list(providers)
    if provider_options is not None:
        provider_options = list(provider_options)
        if len(provider_options) != len(providers):
            raise ValueError(
                "provider_options has %d entries but providers has %d" % (len(provider_options), len(providers))
            )
    names, options = [], []
    for i, entry in enumerate(providers):
        if isinstance(entry, (tuple, list)):
            if len(entry) != 2 or not isinstance(entry[0], str) or not isinstance(entry[1], dict):
                raise ValueError("a provider pair must be (name, dict of options), got %r" % (entry,))
            if provider_options is not None:
                raise ValueError("give provider options either in (name, options) pairs or in provider_options")
            name, opts = entry
        elif isinstance(entry, str):
            name, opts = entry, (provider_options[i] if provider_options is not None else {})
        else:
            raise ValueError("a provider must be a name or a (name, options) pair, got %r" % (entry,))
        if not isinstance(opts, dict):
            raise ValueError("options of provider %s must be a dict, got %r" % (name, opts))
        available = _onyx.get_available_providers()
        if name not in available:
            warnings.warn(
                "Specified provider '%s' is not in available provider names. Available providers: '%s'"
                % (name, ", ".join(available))
            )
            continue
        if name in names:
            raise ValueError("provider %s is listed twice" % name)
        names.append(name)
        options.append({str(k): str(v) for k, v in opts.items()})
    if _CPU not in names:
        names.append(_CPU)
        options.append({})
    return names, options


class InferenceSession:
    """A loaded model, ready to run; ONNX Runtime's InferenceSession.

    ``path_or_bytes`` is a model file's path (str or os.PathLike) or the
    serialized model itself (bytes-like). ``run`` may be called from several
    threads at once; it releases the GIL while the model runs.
    """

    def __init__(self, path_or_bytes, sess_options=None, providers=None, provider_options=None):
        if isinstance(path_or_bytes, (str, os.PathLike)):
            self._model_path = os.fspath(path_or_bytes)
        elif isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            # Mutable buffers are frozen into bytes: the model loads without
            # the GIL, and another thread could change them meanwhile.
            if not isinstance(path_or_bytes, bytes):
                path_or_bytes = bytes(path_or_bytes)
            self._model_path = None
        else:
            raise TypeError("Unable to load from type '%s'" % type(path_or_bytes).__name__)
        if sess_options is not None and not isinstance(sess_options, _onyx.SessionOptions):
            raise TypeError("sess_options must be a SessionOptions, not %s" % type(sess_options).__name__)
        # The session keeps its own copy: later changes to the caller's object
        # do not alter what get_session_options() reports.
        self._sess_options = copy.copy(sess_options) if sess_options is not None else _onyx.SessionOptions()
        self._providers, self._provider_options = _normalize_providers(providers, provider_options)
        self._sess = _onyx.Session(path_or_bytes, self._sess_options)

    # ---- model description ----
    def get_inputs(self):
        """The graph inputs (initializers excluded) as NodeArg objects."""
        return list(self._sess.inputs)

    def get_outputs(self):
        return list(self._sess.outputs)

    def get_overridable_initializers(self):
        """Initializers a run may override by feeding an input of the same name."""
        return list(self._sess.overridable_initializers)

    def get_modelmeta(self):
        return self._sess.metadata

    def get_session_options(self):
        return self._sess_options

    def get_providers(self):
        return list(self._providers)

    def get_provider_options(self):
        return {name: dict(opts) for name, opts in zip(self._providers, self._provider_options)}

    def set_providers(self, providers=None, provider_options=None):
        """Checks and records the providers; this build runs everything on the CPU provider."""
        self._providers, self._provider_options = _normalize_providers(providers, provider_options)

    def disable_fallback(self):
        """Nothing to disable: the CPU provider is the only one, so nothing falls back."""

    def enable_fallback(self):
        """See disable_fallback."""

    # ---- running ----
    def run(self, output_names, input_feed, run_options=None):
        """Runs the model: ``output_names`` (None = all) from ``input_feed`` {name: value}.

        Returns numpy arrays (lists for sequences, dicts for maps, None for
        empty optionals), in the order of ``output_names``.
        """
        return self._sess.run(output_names, input_feed, run_options)

    def run_with_ort_values(self, output_names, input_dict_ort_values, run_options=None):
        """Same as run, with OrtValue inputs and outputs (no conversion to numpy)."""
        return self._sess.run_with_ort_values(output_names, input_dict_ort_values, run_options)

    def io_binding(self):
        return IOBinding(self)

    def run_with_iobinding(self, iobinding, run_options=None):
        if not isinstance(iobinding, IOBinding) or iobinding._session is not self:
            raise _onyx.InvalidArgument("run_with_iobinding: the binding was not made by this session's io_binding()")
        iobinding._run(run_options)

    def end_profiling(self):
        """Stops profiling; returns the path of the Chrome-trace JSON file ('' if profiling was off)."""
        return self._sess.end_profiling()


class IOBinding:
    """Inputs and outputs bound ahead of a run (ONNX Runtime's IOBinding).

    Onyx runs on the CPU, so binding means: inputs are wrapped once (numpy
    arrays without a copy), and an output bound to a buffer or an OrtValue
    receives the result there; other outputs are allocated by the engine.
    """

    def __init__(self, session):
        self._session = session
        self._inputs = {}
        self._outputs = []  # [name, bound OrtValue or None]
        self._results = []

    # ---- inputs ----
    def bind_cpu_input(self, name, arr_on_cpu):
        self._inputs[name] = _onyx.OrtValue.ortvalue_from_numpy(arr_on_cpu)

    def bind_input(self, name, device_type, device_id, element_type, shape, buffer_ptr):
        _check_device(device_type, device_id)
        self._inputs[name] = _onyx.OrtValue._from_pointer(buffer_ptr, shape, element_type, "input '%s'" % name)

    def bind_ortvalue_input(self, name, ortvalue):
        if not isinstance(ortvalue, _onyx.OrtValue):
            raise _onyx.InvalidArgument("input '%s': bind_ortvalue_input takes an OrtValue, not %s"
                                        % (name, type(ortvalue).__name__))
        self._inputs[name] = ortvalue

    def synchronize_inputs(self):
        """CPU memory needs no synchronization."""

    def clear_binding_inputs(self):
        self._inputs = {}

    # ---- outputs ----
    def bind_output(self, name, device_type="cpu", device_id=0, element_type=None, shape=None, buffer_ptr=None):
        _check_device(device_type, device_id)
        if buffer_ptr is None:
            bound = None
        else:
            if element_type is None or shape is None:
                raise _onyx.InvalidArgument("output '%s': a buffer_ptr needs element_type and shape" % name)
            bound = _onyx.OrtValue._from_pointer(buffer_ptr, shape, element_type, "output '%s'" % name)
        self._bind_output(name, bound)

    def bind_ortvalue_output(self, name, ortvalue):
        if not isinstance(ortvalue, _onyx.OrtValue):
            raise _onyx.InvalidArgument("output '%s': bind_ortvalue_output takes an OrtValue, not %s"
                                        % (name, type(ortvalue).__name__))
        self._bind_output(name, ortvalue)

    def _bind_output(self, name, bound):
        for entry in self._outputs:
            if entry[0] == name:
                entry[1] = bound
                return
        self._outputs.append([name, bound])

    def synchronize_outputs(self):
        """CPU memory needs no synchronization."""

    def clear_binding_outputs(self):
        self._outputs = []
        self._results = []

    def get_outputs(self):
        """The outputs of the last run as OrtValues, in the order they were bound."""
        return list(self._results)

    def copy_outputs_to_cpu(self):
        """The outputs of the last run as numpy arrays (copies) or lists / dicts."""
        return [_copied(value.numpy()) for value in self._results]

    def _run(self, run_options):
        if not self._outputs:
            raise _onyx.InvalidArgument("run_with_iobinding: no output is bound; call bind_output first")
        names = [name for name, _ in self._outputs]
        results = self._session._sess.run_with_ort_values(names, self._inputs, run_options)
        for i, (name, bound) in enumerate(self._outputs):
            if bound is not None:
                bound._copy_from(results[i], "output '%s'" % name)
                results[i] = bound
        self._results = results


SessionIOBinding = IOBinding


def _copied(converted):
    """A copy of what OrtValue.numpy() returned (it may be a view of the OrtValue)."""
    if isinstance(converted, np.ndarray):
        return converted.copy()
    if isinstance(converted, list):
        return [_copied(item) for item in converted]
    return converted  # dicts of Python scalars and None are copies already


def _check_device(device_type, device_id):
    if str(device_type).lower() != "cpu":
        raise _onyx.InvalidArgument("device '%s' is not available; this build of Onyx has only 'cpu'" % device_type)
    if device_id != 0:
        raise _onyx.InvalidArgument("cpu device id %r does not exist (only 0)" % (device_id,))
