//! [`forward_unmasked!`](crate::forward_unmasked): the [`Forward`](crate::Forward) impl of a
//! model whose forward pass takes no mask, in one line.

/// Implement [`Forward`](crate::Forward) for a model whose forward pass ignores the mask: the
/// body, an expression of `$m` (the model), `$xs` (the input) and `$train`, returns
/// `deepfield_core::Result<Tensor>`. Doc comments before the type go on `try_forward_t`.
///
/// ```ignore
/// deepfield_core::forward_unmasked! {
///     /// `[B, lookback, features]` → `[B, horizon, targets]`.
///     Forecaster, |m, xs, train| m.try_forward(xs, train).map_err(crate::Error::into_core)
/// }
/// ```
#[macro_export]
macro_rules! forward_unmasked {
    ($(#[$doc:meta])* $model:ty, |$m:ident, $xs:ident, $train:ident| $body:expr $(,)?) => {
        impl $crate::Forward for $model {
            $(#[$doc])*
            fn try_forward_t(
                &self,
                $xs: &$crate::tch::Tensor,
                _mask: ::std::option::Option<&$crate::tch::Tensor>,
                $train: bool,
            ) -> $crate::Result<$crate::tch::Tensor> {
                let $m = self;
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::Forward;
    use tch::{Device, Kind, Tensor};

    struct Scale(f64);
    crate::forward_unmasked! {
        /// `[B, F]` → `[B, F]`, times the scale.
        Scale, |m, xs, train| Ok(if train { xs.shallow_clone() } else { xs * m.0 })
    }

    #[test]
    fn the_mask_is_ignored_and_train_passed_on() {
        let x = Tensor::ones([2, 3], (Kind::Float, Device::Cpu));
        let mask = Tensor::zeros([2, 3], (Kind::Float, Device::Cpu));
        let m = Scale(3.0);
        assert_eq!(
            m.try_forward_t(&x, Some(&mask), false)
                .unwrap()
                .sum(Kind::Float)
                .double_value(&[]),
            18.0
        );
        assert_eq!(
            m.try_forward_t(&x, None, true)
                .unwrap()
                .sum(Kind::Float)
                .double_value(&[]),
            6.0
        );
    }
}
