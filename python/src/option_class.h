#pragma once
// OptionClass<T>: a library options struct bound as a Python class that behaves like a frozen
// dataclass of keyword arguments (docs/python.md, "Option classes"):
//   - T() gives the defaults: `FitOptions()` has the library's, one source for every caller;
//   - keyword-only construction, each value converted strictly (no int(2.7) == 2, no True as a
//     count, no wrapping of -1 into an unsigned field: TypeError or ValueError naming the
//     field) and the whole checked at once by the library's validate() (InvalidArgument, a
//     ValueError, with the library's message);
//   - read-only fields, repr, ==, to_dict() and replace(**changes) (a new, validated copy).
// A field is a name and an accessor `[](auto& o) -> auto& { return o.x; }` (or o.x() for
// TORCH_ARG structs), so plain members, TORCH_ARG members and nested structs bind alike.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "critnet/core/error.h"

namespace critnet::python {

namespace py = pybind11;

// A value's repr for a message.
inline std::string repr_of(py::handle v) {
  return py::repr(v).cast<std::string>();
}

// numbers.Integral, numbers.Real, torch.Tensor: looked up once and kept for the process's
// life (released, never destroyed after the interpreter).
inline py::handle python_type(const char* module, const char* name) {
  return py::object(py::module_::import(module).attr(name)).release();
}
inline bool is_integral(py::handle v) {
  static const py::handle type = python_type("numbers", "Integral");
  return py::isinstance(v, type);
}
inline bool is_real(py::handle v) {
  static const py::handle type = python_type("numbers", "Real");
  return py::isinstance(v, type);
}
inline bool is_tensor(py::handle v) {
  static const py::handle type = python_type("torch", "Tensor");
  return py::isinstance(v, type);
}

// Python value <-> F. `where` names the field in messages ("FitOptions.bootstrap").
template <class F, class = void>
struct Convert {  // a bound class (e.g. a VerdictRule inside HtsrOptions)
  static F from(py::handle v, const std::string& where) {
    if (!py::isinstance<F>(v)) {
      throw py::type_error(where + ": must be a " +
                           py::str(py::type::of<F>().attr("__name__")).cast<std::string>() +
                           ", got " + repr_of(v));
    }
    return v.cast<F>();
  }
  static py::object to(const F& x) { return py::cast(x); }
};

template <>
struct Convert<bool> {
  static bool from(py::handle v, const std::string& where) {
    if (!PyBool_Check(v.ptr()))
      throw py::type_error(where + ": must be True or False, got " + repr_of(v));
    return v.ptr() == Py_True;
  }
  static py::object to(bool x) { return py::bool_(x); }
};

// Integers: a numbers.Integral (int, numpy.int64, ...) but not bool, within F's range.
template <class F>
struct Convert<F, std::enable_if_t<std::is_integral_v<F> && !std::is_same_v<F, bool>>> {
  static F from(py::handle v, const std::string& where) {
    if (PyBool_Check(v.ptr()) || !is_integral(v)) {
      throw py::type_error(where + ": must be an integer, got " + repr_of(v));
    }
    const auto i = py::reinterpret_steal<py::int_>(PyNumber_Index(v.ptr()));
    if (!i) throw py::error_already_set();
    const py::int_ lo(std::numeric_limits<F>::min()), hi(std::numeric_limits<F>::max());
    CRITNET_CHECK(!(i < lo) && !(i > hi), where, ": must be in ", std::numeric_limits<F>::min(),
                  "..", std::numeric_limits<F>::max(), ", got ", repr_of(i));
    return i.template cast<F>();
  }
  static py::object to(F x) { return py::int_(x); }
};

// Reals: a numbers.Real (int, float, numpy.float32, ...) but not bool.
template <class F>
struct Convert<F, std::enable_if_t<std::is_floating_point_v<F>>> {
  static F from(py::handle v, const std::string& where) {
    if (PyBool_Check(v.ptr()) || !is_real(v)) {
      throw py::type_error(where + ": must be a number, got " + repr_of(v));
    }
    const double x = PyFloat_AsDouble(v.ptr());
    if (x == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    return static_cast<F>(x);
  }
  static py::object to(F x) { return py::float_(x); }
};

template <>
struct Convert<std::string> {
  static std::string from(py::handle v, const std::string& where) {
    if (!py::isinstance<py::str>(v))
      throw py::type_error(where + ": must be a str, got " + repr_of(v));
    return v.cast<std::string>();
  }
  static py::object to(const std::string& x) { return py::str(x); }
};

// None or a value converted by Conv.
template <class U, class Conv>
struct OptionalConvert {
  static std::optional<U> from(py::handle v, const std::string& where) {
    if (v.is_none()) return std::nullopt;
    return Conv::from(v, where);
  }
  static py::object to(const std::optional<U>& x) { return x ? Conv::to(*x) : py::none(); }
};

template <class U>
struct Convert<std::optional<U>> : OptionalConvert<U, Convert<U>> {};

// Lists: any iterable but a str, bytes or a tensor (one value where a list is meant).
template <class U>
struct Convert<std::vector<U>> {
  static std::vector<U> from(py::handle v, const std::string& where) {
    if (py::isinstance<py::str>(v) || py::isinstance<py::bytes>(v) || is_tensor(v) ||
        !py::isinstance<py::iterable>(v)) {
      throw py::type_error(where + ": must be a list, got " + repr_of(v));
    }
    std::vector<U> out;
    for (py::handle item : v) {
      out.push_back(Convert<U>::from(item, where + "[" + std::to_string(out.size()) + "]"));
    }
    return out;
  }
  static py::object to(const std::vector<U>& x) {
    py::list out;
    for (const U& u : x) out.append(Convert<U>::to(u));
    return std::move(out);
  }
};

// An enum named by strings: the library's parse (InvalidArgument naming the choices) and
// to_string.
template <class E, E (*Parse)(const std::string&), std::string (*Name)(E)>
struct NamedConvert {
  static E from(py::handle v, const std::string& where) {
    return Parse(Convert<std::string>::from(v, where));
  }
  static py::object to(E x) { return py::str(Name(x)); }
};

template <class T>
class OptionClass {
 public:
  using Validate = std::function<void(const T&)>;

  OptionClass(py::module_& m, const char* name, const char* doc, Validate validate = {})
      : cls_(m, name, doc), name_(name), validate_(std::move(validate)) {}

  // A field of type F through `access` (o -> F&); its Python conversion is Conv.
  template <class F, class Conv = Convert<F>, class Access>
  OptionClass& field(const char* name, Access access, const char* doc) {
    const std::string where = name_ + "." + name;
    fields_->push_back({name, [access](const T& o) { return Conv::to(access(o)); },
                        [access, where](T& o, py::handle v) { access(o) = Conv::from(v, where); }});
    cls_.def_property_readonly(
        name, [access](const T& o) { return Conv::to(access(o)); }, doc);
    return *this;
  }

  // Defines construction, repr, ==, to_dict and replace once every field is declared.
  void finish();

 private:
  struct Field {
    std::string name;
    std::function<py::object(const T&)> get;
    std::function<void(T&, py::handle)> set;
  };
  using Fields = std::shared_ptr<std::vector<Field>>;

  // `base` with the keyword arguments `changes` applied, then validated.
  static T with(T base, const py::kwargs& changes, const Fields& fields, const std::string& cls,
                const Validate& validate);
  static std::string repr(const T& o, const Fields& fields, const std::string& cls);
  static bool equal(const T& a, const T& b, const Fields& fields);

  py::class_<T> cls_;
  std::string name_;
  Validate validate_;
  Fields fields_ = std::make_shared<std::vector<Field>>();
};

template <class T>
T OptionClass<T>::with(T base, const py::kwargs& changes, const Fields& fields,
                       const std::string& cls, const Validate& validate) {
  for (const auto& [key, value] : changes) {
    const std::string k = py::str(key).template cast<std::string>();
    const Field* f = nullptr;
    for (const Field& candidate : *fields) {
      if (candidate.name == k) f = &candidate;
    }
    if (f == nullptr) {
      std::string known;
      for (const Field& candidate : *fields) known += (known.empty() ? "" : ", ") + candidate.name;
      throw py::type_error(cls + "() got an unexpected keyword argument '" + k +
                           "' (fields: " + known + ")");
    }
    f->set(base, value);
  }
  if (validate) validate(base);
  return base;
}

template <class T>
std::string OptionClass<T>::repr(const T& o, const Fields& fields, const std::string& cls) {
  std::string out = cls + "(";
  for (std::size_t i = 0; i < fields->size(); ++i) {
    const Field& f = (*fields)[i];
    out += (i ? ", " : "") + f.name + "=" + repr_of(f.get(o));
  }
  return out + ")";
}

template <class T>
bool OptionClass<T>::equal(const T& a, const T& b, const Fields& fields) {
  for (const Field& f : *fields) {
    const py::object x = f.get(a), y = f.get(b);
    const bool both_nan = py::isinstance<py::float_>(x) && py::isinstance<py::float_>(y) &&
                          std::isnan(x.cast<double>()) && std::isnan(y.cast<double>());
    if (!both_nan && !x.equal(y)) return false;
  }
  return true;
}

template <class T>
void OptionClass<T>::finish() {
  const Fields fields = fields_;
  const std::string cls = name_;
  const Validate validate = validate_;
  cls_.def(py::init([fields, cls, validate](const py::args& args, const py::kwargs& kwargs) {
             if (!args.empty()) {
               throw py::type_error(cls + "() takes keyword arguments only, got " +
                                    std::to_string(args.size()) + " positional");
             }
             return with(T{}, kwargs, fields, cls, validate);
           }),
           ("keyword arguments only; the defaults are the library's, and the whole is checked "
            "at once (ValueError with the library's message, TypeError for a value of the wrong "
            "type)"));
  cls_.def(
      "replace",
      [fields, cls, validate](const T& self, const py::kwargs& changes) {
        return with(self, changes, fields, cls, validate);
      },
      "a copy with the given fields changed, checked as at construction");
  cls_.def(
      "to_dict",
      [fields](const T& self) {
        py::dict out;
        for (const Field& f : *fields) out[py::str(f.name)] = f.get(self);
        return out;
      },
      "the fields as a dict");
  cls_.def("__repr__", [fields, cls](const T& self) { return repr(self, fields, cls); });
  cls_.def("__eq__", [fields](const T& self, const py::object& other) -> py::object {
    if (!py::isinstance<T>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::bool_(equal(self, other.cast<const T&>(), fields));
  });
  cls_.attr("__hash__") = py::none();
  py::list names;
  py::dict defaults;
  const T base{};
  for (const Field& f : *fields) {
    names.append(py::str(f.name));
    defaults[py::str(f.name)] = f.get(base);
  }
  cls_.attr("_fields") = py::tuple(names);
  // T{}'s fields, read-only: the defaults of the Python functions that build this class (a
  // default that must be given, e.g. FlowStudyOptions.lambdas, is refused at construction).
  cls_.attr("defaults") = py::module_::import("types").attr("MappingProxyType")(defaults);
}

}  // namespace critnet::python
